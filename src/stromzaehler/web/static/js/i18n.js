// Texts in German and English, the chosen language, and number/date formatting in its locale.

const TEXTS = {
  en: {
    "app.title": "Electricity meter",
    "nav.live": "Live", "nav.dashboard": "Consumption", "nav.setup": "Set-up",
    "nav.review": "Review", "nav.settings": "Settings", "nav.pv": "PV planner",
    "lang.switch": "Deutsch",
    "auth.login": "Log in", "auth.logout": "Log out", "auth.password": "Password",
    "auth.loggedIn": "logged in", "auth.required": "Log in to make changes.",
    "auth.noPassword": "No password is set yet: run `stromzaehler passwd` on the device.",
    "common.save": "Save", "common.cancel": "Cancel", "common.saved": "Saved.",
    "common.loading": "Loading…", "common.error": "Error: {message}", "common.none": "—",
    "live.lastReading": "Last reading", "live.at": "at {time}", "live.status": "Newest frame",
    "live.noReading": "no reading yet", "live.light": "Light (LED)", "live.capture": "Capture now",
    "live.captureRequested": "Capture requested.", "live.health": "Health",
    "live.healthLine": "{status} · source {source} · frames ok {ok}, failed {failed}",
    "live.lastError": "last error: {error}", "live.reason": "reason: {reason}",
    "live.streamAlt": "live camera image of the meter",
    "status.accepted": "accepted", "status.rejected": "rejected", "status.unread": "not read",
    "status.failed": "failed", "status.ok": "ok", "status.degraded": "degraded", "status.failing": "failing",
    "status.starting": "starting", "status.stopped": "stopped",
    "status.corrected": "corrected", "status.unreadable": "unreadable",
    "dash.year": "Year", "dash.month": "Month", "dash.day": "Day", "dash.hour": "Hour",
    "dash.prev": "Previous", "dash.next": "Next", "dash.date": "Date",
    "dash.res.hour": "hours", "dash.res.15min": "15 min", "dash.res.minute": "minutes",
    "dash.total": "Total", "dash.previous": "Previous period", "dash.change": "Change",
    "dash.quality.measured": "measured",
    "dash.quality.estimated": "estimated: a gap in the readings, spread evenly over it",
    "dash.quality.missing": "missing: no readings for this period",
    "dash.quality.partial": "partial: the recording covers {percent} % of this period (it starts or stops inside it); the energy of that part",
    "dash.qualityNote": "{estimated} estimated, {missing} missing",
    "dash.partialNote": "Only part of this period is recorded: it is not compared with the previous one.",
    "dash.drill": "Click a bar to see it in detail.",
    "dash.effective": "Effective resolution about {minutes} min (one reading every {minutes} min): finer bars are interpolated.",
    "dash.profileTitle": "Load profile of {year}", "dash.heatmap": "Consumption by day and hour (kWh)",
    "dash.dayProfile": "Mean day profile (W)", "dash.baseLoad": "Base load", "dash.peak": "Peak",
    "dash.meanPower": "Mean power", "dash.projected": "Projected per year",
    "dash.weekday": "weekdays", "dash.weekend": "weekends", "dash.all": "all days",
    "dash.noProfile": "The load profile is not available: {message}",
    "dash.noData": "No data for this period.",
    "dash.h0": "BDEW H0 (scaled)", "dash.seasonLabel": "Season",
    "dash.season.winter": "winter", "dash.season.transition": "spring/autumn", "dash.season.summer": "summer",
    "dash.profileNote": "Powers from quarter-hour energies; data covers {coverage} of the year. Base load: 5th percentile of 00:00–05:00.",
    "setup.intro": "Drag the boxes onto the rollers (corner handle: size). Arrow keys move the selected box.",
    "setup.boxes": "Digit boxes", "setup.add": "Add box", "setup.remove": "Remove box",
    "setup.equidistant": "Lock equidistant", "setup.decimals": "Decimals",
    "setup.disc": "Disc window", "setup.revolutions": "Revolutions per kWh",
    "setup.propose": "Automatic boxes", "setup.testRead": "Test read", "setup.reload": "Reset",
    "setup.testResult": "Reader gets {reading} ({kwh} kWh), confidence {confidence}",
    "setup.testUnread": "Not readable: {reason}", "setup.newFrame": "New frame",
    "review.intro": "Frames the reader or the plausibility check rejected. Type the right reading or mark the frame unreadable.",
    "review.none": "No rejected frames.", "review.reason": "Reason",
    "review.read": "Read as", "review.correct": "Correct reading",
    "review.correctHint": "roller digits (e.g. 0995160) or kWh (99516,0)",
    "review.store": "Store correction", "review.unreadable": "Unreadable",
    "review.export": "Export labelled crops (zip)", "review.more": "Older frames",
    "review.corrected": "Corrected to {kwh} kWh.", "review.markedUnreadable": "Marked unreadable.",
    "settings.interval": "Interval between readings (s)", "settings.light": "Switch the LED on while capturing",
    "settings.timezone": "Time zone", "settings.maxPower": "Maximum plausible power (W)",
    "settings.kept": "Images of rejected frames kept", "settings.openRead": "Pages and data readable without login on the LAN",
    "settings.password": "Change password", "settings.oldPassword": "Old password",
    "settings.newPassword": "New password", "settings.passwordChanged": "Password changed; log in again.",
    "settings.language": "Language", "settings.account": "Login",
    "settings.backup": "Backup", "settings.backupLast": "Last backup: {file}, {time} ({mb} MB)",
    "settings.backupNone": "No backup yet.", "settings.backupFolder": "Daily backups go to {folder}.",
    "settings.backupDownload": "Download a backup now",
    "settings.mqtt": "MQTT / Home Assistant", "settings.mqttOff": "off (no broker set)",
    "settings.mqttState": "Publisher: {state} {error}", "settings.mqttHost": "Broker (host name or address; empty = off)",
    "settings.mqttPort": "Port", "settings.mqttUsername": "User name", "settings.mqttPassword": "Password",
    "settings.mqttPasswordKept": "set; leave empty to keep it", "settings.mqttBaseTopic": "Base topic",
    "settings.mqttPrefix": "Home Assistant discovery prefix", "settings.mqttClientId": "Client id (empty = random)",
    "reason.alignment": "counter not found in the frame", "reason.out_of_view": "a roller is not fully in the picture (camera moved?)",
    "reason.low_confidence": "digits not read with confidence",
    "reason.frozen": "the same frame as before (camera stuck?)", "reason.unreadable": "not readable",
    "reason.clock": "clock not plausible", "reason.clock_backwards": "clock went backwards",
    "reason.clock_ahead": "clock jumped ahead (against the monotonic clock)",
    "reason.clock_error": "clock error: stored with a time ahead of the clock, left out of consumption",
    "reason.clock_unsynchronised": "clock not synchronised", "reason.decreasing": "less than the last reading",
    "reason.too_fast": "more power than plausible", "reason.unconfirmed": "jump not confirmed yet",
    "reason.rollers_disagree": "the rollers contradict each other (do the boxes sit right?)",
    "reason.boxes_misplaced": "the boxes do not sit on the digits (camera moved? place the boxes on the Set-up page)",
    "reason.blurred": "the picture is much less sharp than the set-up picture (lens out of focus? condensation?)",
    "reason.setup_unconfirmed": "first reading not stored yet: save the boxes on the Set-up page or type the reading the meter shows there",
    "adapt.title": "Reading on the meter", "adapt.typed": "Reading the meter shows now (e.g. 099516.0)",
    "adapt.teach": "Check and learn", "adapt.reset": "Forget this meter's samples",
    "adapt.adapted": "Reader adapted to this meter ({samples} samples)", "adapt.generic": "Reader not adapted to this meter yet (generic model)",
    "adapt.missing": "No reading is stored until the boxes are confirmed: save them on the Set-up page or type the reading the meter shows there.",
    "adapt.agrees": "The reader agrees; the set-up is confirmed ({samples} samples kept).",
    "adapt.disagrees": "The reader does not agree: {details}. Check the boxes.",
    "adapt.roller": "roller {roller}: typed {typed}, read {read}",
  },
  de: {
    "app.title": "Stromzähler",
    "nav.live": "Live", "nav.dashboard": "Verbrauch", "nav.setup": "Einrichtung",
    "nav.review": "Prüfen", "nav.settings": "Einstellungen", "nav.pv": "PV-Planer",
    "lang.switch": "English",
    "auth.login": "Anmelden", "auth.logout": "Abmelden", "auth.password": "Passwort",
    "auth.loggedIn": "angemeldet", "auth.required": "Für Änderungen bitte anmelden.",
    "auth.noPassword": "Noch kein Passwort gesetzt: `stromzaehler passwd` auf dem Gerät ausführen.",
    "common.save": "Speichern", "common.cancel": "Abbrechen", "common.saved": "Gespeichert.",
    "common.loading": "Lädt …", "common.error": "Fehler: {message}", "common.none": "—",
    "live.lastReading": "Letzter Zählerstand", "live.at": "um {time}", "live.status": "Neuestes Bild",
    "live.noReading": "noch kein Zählerstand", "live.light": "Licht (LED)", "live.capture": "Jetzt aufnehmen",
    "live.captureRequested": "Aufnahme angefordert.", "live.health": "Zustand",
    "live.healthLine": "{status} · Quelle {source} · Bilder ok {ok}, fehlgeschlagen {failed}",
    "live.lastError": "letzter Fehler: {error}", "live.reason": "Grund: {reason}",
    "live.streamAlt": "Live-Kamerabild des Zählers",
    "status.accepted": "übernommen", "status.rejected": "verworfen", "status.unread": "nicht gelesen",
    "status.failed": "fehlgeschlagen", "status.ok": "ok", "status.degraded": "gestört", "status.failing": "ausgefallen",
    "status.starting": "startet", "status.stopped": "angehalten",
    "status.corrected": "korrigiert", "status.unreadable": "unlesbar",
    "dash.year": "Jahr", "dash.month": "Monat", "dash.day": "Tag", "dash.hour": "Stunde",
    "dash.prev": "Zurück", "dash.next": "Weiter", "dash.date": "Datum",
    "dash.res.hour": "Stunden", "dash.res.15min": "15 Min.", "dash.res.minute": "Minuten",
    "dash.total": "Summe", "dash.previous": "Vorperiode", "dash.change": "Änderung",
    "dash.quality.measured": "gemessen",
    "dash.quality.estimated": "geschätzt: Lücke in den Zählerständen, gleichmäßig verteilt",
    "dash.quality.missing": "fehlt: keine Zählerstände für diesen Zeitraum",
    "dash.quality.partial": "teilweise: die Aufzeichnung deckt {percent} % dieses Zeitraums ab (sie beginnt oder endet darin); der Verbrauch dieses Teils",
    "dash.qualityNote": "{estimated} geschätzt, {missing} fehlend",
    "dash.partialNote": "Dieser Zeitraum ist nur zum Teil aufgezeichnet: kein Vergleich mit dem vorigen.",
    "dash.drill": "Balken anklicken für Details.",
    "dash.effective": "Tatsächliche Auflösung etwa {minutes} Min. (ein Zählerstand alle {minutes} Min.): feinere Balken sind interpoliert.",
    "dash.profileTitle": "Lastprofil {year}", "dash.heatmap": "Verbrauch nach Tag und Stunde (kWh)",
    "dash.dayProfile": "Mittleres Tagesprofil (W)", "dash.baseLoad": "Grundlast", "dash.peak": "Spitze",
    "dash.meanPower": "Mittlere Leistung", "dash.projected": "Hochgerechnet aufs Jahr",
    "dash.weekday": "Werktage", "dash.weekend": "Wochenende", "dash.all": "alle Tage",
    "dash.noProfile": "Das Lastprofil ist nicht verfügbar: {message}",
    "dash.noData": "Keine Daten für diesen Zeitraum.",
    "dash.h0": "BDEW H0 (skaliert)", "dash.seasonLabel": "Jahreszeit",
    "dash.season.winter": "Winter", "dash.season.transition": "Übergang", "dash.season.summer": "Sommer",
    "dash.profileNote": "Leistungen aus Viertelstunden-Energien; Daten für {coverage} des Jahres. Grundlast: 5-%-Perzentil von 00:00–05:00.",
    "setup.intro": "Kästen auf die Zählerrollen ziehen (Eckgriff: Größe). Pfeiltasten verschieben den gewählten Kasten.",
    "setup.boxes": "Ziffernkästen", "setup.add": "Kasten hinzufügen", "setup.remove": "Kasten entfernen",
    "setup.equidistant": "Gleiche Abstände", "setup.decimals": "Nachkommastellen",
    "setup.disc": "Scheibenfenster", "setup.revolutions": "Umdrehungen pro kWh",
    "setup.propose": "Automatisch finden", "setup.testRead": "Probelesen", "setup.reload": "Zurücksetzen",
    "setup.testResult": "Gelesen: {reading} ({kwh} kWh), Sicherheit {confidence}",
    "setup.testUnread": "Nicht lesbar: {reason}", "setup.newFrame": "Neues Bild",
    "review.intro": "Bilder, die die Erkennung oder die Plausibilitätsprüfung verworfen hat. Richtigen Stand eintippen oder als unlesbar markieren.",
    "review.none": "Keine verworfenen Bilder.", "review.reason": "Grund",
    "review.read": "Gelesen als", "review.correct": "Richtiger Zählerstand",
    "review.correctHint": "Rollenziffern (z. B. 0995160) oder kWh (99516,0)",
    "review.store": "Korrektur speichern", "review.unreadable": "Unlesbar",
    "review.export": "Beschriftete Ziffern exportieren (zip)", "review.more": "Ältere Bilder",
    "review.corrected": "Korrigiert auf {kwh} kWh.", "review.markedUnreadable": "Als unlesbar markiert.",
    "settings.interval": "Abstand der Ablesungen (s)", "settings.light": "LED bei der Aufnahme einschalten",
    "settings.timezone": "Zeitzone", "settings.maxPower": "Höchste plausible Leistung (W)",
    "settings.kept": "Aufbewahrte Bilder verworfener Aufnahmen", "settings.openRead": "Seiten und Daten im LAN ohne Anmeldung lesbar",
    "settings.password": "Passwort ändern", "settings.oldPassword": "Altes Passwort",
    "settings.newPassword": "Neues Passwort", "settings.passwordChanged": "Passwort geändert; bitte neu anmelden.",
    "settings.language": "Sprache", "settings.account": "Anmeldung",
    "settings.backup": "Sicherung", "settings.backupLast": "Letzte Sicherung: {file}, {time} ({mb} MB)",
    "settings.backupNone": "Noch keine Sicherung.", "settings.backupFolder": "Tägliche Sicherungen gehen nach {folder}.",
    "settings.backupDownload": "Jetzt eine Sicherung herunterladen",
    "settings.mqtt": "MQTT / Home Assistant", "settings.mqttOff": "aus (kein Broker eingetragen)",
    "settings.mqttState": "Veröffentlichung: {state} {error}", "settings.mqttHost": "Broker (Hostname oder Adresse; leer = aus)",
    "settings.mqttPort": "Port", "settings.mqttUsername": "Benutzername", "settings.mqttPassword": "Passwort",
    "settings.mqttPasswordKept": "gesetzt; leer lassen, um es zu behalten", "settings.mqttBaseTopic": "Basis-Topic",
    "settings.mqttPrefix": "Discovery-Präfix von Home Assistant", "settings.mqttClientId": "Client-ID (leer = zufällig)",
    "reason.alignment": "Zählwerk im Bild nicht gefunden", "reason.out_of_view": "eine Ziffernrolle ist nicht ganz im Bild (Kamera verschoben?)",
    "reason.low_confidence": "Ziffern nicht sicher gelesen",
    "reason.frozen": "gleiches Bild wie zuvor (Kamera hängt?)", "reason.unreadable": "nicht lesbar",
    "reason.clock": "Uhrzeit nicht plausibel", "reason.clock_backwards": "Uhr lief rückwärts",
    "reason.clock_ahead": "Uhr sprang vor (gegenüber der monotonen Uhr)",
    "reason.clock_error": "Uhrfehler: mit einer Zeit vor der Uhr gespeichert, nicht im Verbrauch",
    "reason.clock_unsynchronised": "Uhr nicht synchronisiert", "reason.decreasing": "kleiner als der letzte Stand",
    "reason.too_fast": "mehr Leistung als plausibel", "reason.unconfirmed": "Sprung noch nicht bestätigt",
    "reason.rollers_disagree": "die Ziffernrollen widersprechen sich (sitzen die Kästen richtig?)",
    "reason.boxes_misplaced": "die Kästen sitzen nicht auf den Ziffern (Kamera verschoben? Kästen auf der Seite Einrichtung setzen)",
    "reason.blurred": "das Bild ist viel unschärfer als das Einrichtungsbild (Objektiv verstellt? Beschlag?)",
    "reason.setup_unconfirmed": "noch kein erster Stand gespeichert: Kästen in der Einrichtung speichern oder dort den angezeigten Zählerstand eintippen",
    "adapt.title": "Zählerstand am Zähler", "adapt.typed": "Stand, den der Zähler jetzt zeigt (z. B. 099516,0)",
    "adapt.teach": "Prüfen und lernen", "adapt.reset": "Gelernte Ziffern dieses Zählers vergessen",
    "adapt.adapted": "Leser an diesen Zähler angepasst ({samples} Beispiele)", "adapt.generic": "Leser noch nicht an diesen Zähler angepasst (allgemeines Modell)",
    "adapt.missing": "Es wird kein Stand gespeichert, bis die Kästen bestätigt sind: in der Einrichtung speichern oder dort den angezeigten Zählerstand eintippen.",
    "adapt.agrees": "Der Leser stimmt zu; die Einrichtung ist bestätigt ({samples} Beispiele behalten).",
    "adapt.disagrees": "Der Leser stimmt nicht zu: {details}. Bitte die Kästen prüfen.",
    "adapt.roller": "Rolle {roller}: eingetippt {typed}, gelesen {read}",
  },
};

const STORAGE_KEY = "stromzaehler.lang";

/** Texts of one area kept in its own module ({en: {...}, de: {...}}), merged in once. */
export function addTexts(extra) {
  for (const [language, texts] of Object.entries(extra)) Object.assign(TEXTS[language], texts);
}

function browserLanguage() {
  const languages = navigator.languages?.length ? navigator.languages : [navigator.language || "en"];
  const first = languages.map((l) => l.slice(0, 2).toLowerCase()).find((l) => l in TEXTS);
  return first || "en";
}

export let lang = (() => {
  const stored = localStorage.getItem(STORAGE_KEY);
  return stored in TEXTS ? stored : browserLanguage();
})();

export function setLanguage(next) {
  lang = next in TEXTS ? next : "en";
  localStorage.setItem(STORAGE_KEY, lang);
  document.documentElement.lang = lang;
}

export function t(key, params = {}) {
  const text = TEXTS[lang][key] ?? TEXTS.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in params ? String(params[name]) : `{${name}}`));
}

/** A reason code of the reader or the gate in words; unknown codes as they are. */
export function reasonText(code) {
  const key = `reason.${code}`;
  const text = t(key);
  return text === key ? code : `${text} (${code})`;
}

export function locale() {
  return lang === "de" ? "de-DE" : "en-GB";
}

export function formatNumber(value, digits = 1) {
  if (value === null || value === undefined || Number.isNaN(value)) return t("common.none");
  return new Intl.NumberFormat(locale(), {
    minimumFractionDigits: digits, maximumFractionDigits: digits,
  }).format(value);
}

export function formatKwh(value, digits = 1) {
  return `${formatNumber(value, digits)} kWh`;
}

export function formatPercent(fraction, digits = 0, signed = false) {
  return new Intl.NumberFormat(locale(), {
    style: "percent", minimumFractionDigits: digits, maximumFractionDigits: digits,
    signDisplay: signed ? "exceptZero" : "auto",
  }).format(fraction);
}

export function formatDateTime(iso, timeZone, options = { dateStyle: "medium", timeStyle: "short" }) {
  if (!iso) return t("common.none");
  return new Intl.DateTimeFormat(locale(), { ...options, timeZone }).format(new Date(iso));
}
