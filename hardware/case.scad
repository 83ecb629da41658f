// stromzaehler-pi: a parametric case for a Raspberry Pi 2 B and a Pi camera V1.3 in front of a
// Ferraris meter's counter window. Every part lies flat for printing without supports.
//
//   openscad -o hood.stl -D 'part="hood"' hardware/case.scad
//   openscad -o hood.stl -D 'part="hood"' -D counter_width_mm=80 hardware/case.scad
//
// part: "hood" | "camera_plate" | "light_bar" | "pi_tray" | "print" (all parts on one plate) |
// "assembly" (how they fit, for the picture; not for printing).
// The echo() lines say the camera distance, the focus and the tilt that keeps the reflection of
// the light off the counter; hardware/README.md explains them.

/* [What you measure on the meter] */
counter_width_mm = 60;          // visible width of the roller counter (all rollers)
counter_height_mm = 15;         // visible height of the rollers
margin_mm = 8;                  // wanted free border around the counter in the picture
glass_to_rollers_mm = 12;       // from the outside of the window glass to the roller surface
counter_share_of_width = 0.6;   // share of the image width the counter should fill (0.3..0.9)

/* [Printing] */
wall_mm = 2;                    // wall thickness
tolerance_mm = 0.3;             // play added to holes and slots (printer dependent)
screw_hole_mm = 3.2;            // screw tabs: M3 screws, or use the tabs with foam tape
closeup_lens_dpt = 10;          // a close-up lens you might glue in front (0 = none)

part = "assembly";

/* [Fixed: the hardware] */
hfov_deg = 53.50;               // Pi camera V1.3, horizontal field of view
vfov_deg = 41.41;               // Pi camera V1.3, vertical field of view
lens_focal_mm = 3.6;            // Pi camera V1.3 (OV5647) focal length
factory_focus_mm = 1000;        // the lens ships focused at about 1 m (sharp from ~1 m to infinity)
cam_board_mm = [25, 24];        // camera board width, height
cam_holes_mm = [21, 12.5];      // mounting hole spacing (2 mm holes)
cam_hole_edge_mm = 2;           // hole centres from the board's top edge and sides
cam_lens_from_top_mm = 9.5;     // lens centre from the board's top (hole) edge: check your board
cam_ribbon_width_mm = 16;       // the flat cable
pi_board_mm = [85, 56];         // Raspberry Pi 2 B
pi_holes_mm = [58, 49];         // M2.5 hole spacing
pi_hole_edge_mm = 3.5;          // hole centres from the board's edges
led_strip_width_mm = 10;        // a 12 V / 5 V LED strip (driven from light.gpio_pin through a transistor)

$fn = 24;

// ---- the optics ----------------------------------------------------------------------------
// The counter fills counter_share_of_width of the image width, and the counter plus margin must fit
// both ways: the farther of the three distances wins (lens to the roller surface).
function dist_for(size_mm, fov_deg) = size_mm / 2 / tan(fov_deg / 2);
lens_to_rollers_mm = max(
    dist_for(counter_width_mm / counter_share_of_width, hfov_deg),
    dist_for(counter_width_mm + 2 * margin_mm, hfov_deg),
    dist_for(counter_height_mm + 2 * margin_mm, vfov_deg));
lens_to_glass_mm = lens_to_rollers_mm - glass_to_rollers_mm;
// The glass mirrors the light that sits beside the lens straight back along its normal: tilting the
// camera by this angle puts that reflection outside the counter (plus margin) in the picture.
glare_tilt_deg = atan((counter_height_mm / 2 + margin_mm) / lens_to_rollers_mm);
// Thin lens: how far the lens must move out from infinity focus to be sharp at a distance.
function extension_mm(d) = lens_focal_mm * lens_focal_mm / (d - lens_focal_mm);
lens_turn_out_mm = extension_mm(lens_to_rollers_mm) - extension_mm(factory_focus_mm);
// A close-up lens of D dioptres on a lens left at its factory focus (1/d = D/1000 + 1/f0).
closeup_sharp_mm = closeup_lens_dpt > 0 ? 1000 / (closeup_lens_dpt + 1000 / factory_focus_mm) : 0;
footprint_mm = [2 * lens_to_glass_mm * tan(hfov_deg / 2), 2 * lens_to_glass_mm * tan(vfov_deg / 2)];

echo(str("camera distance: lens to rollers ", lens_to_rollers_mm, " mm, lens to glass ",
         lens_to_glass_mm, " mm"));
echo(str("field of view at the rollers: ", 2 * lens_to_rollers_mm * tan(hfov_deg / 2), " x ",
         2 * lens_to_rollers_mm * tan(vfov_deg / 2), " mm"));
echo(str("glare tilt: ", glare_tilt_deg, " deg (camera tilted so the light's reflection misses the counter)"));
echo(str("focus: the lens is sharp from about ", factory_focus_mm, " mm; for ", lens_to_rollers_mm,
         " mm turn it out (anticlockwise) by ", lens_turn_out_mm,
         " mm, a small fraction of a turn at a time, until the aiming aid says sharp"));
echo(str("close-up lens: +", closeup_lens_dpt, " dpt on the factory focus is sharp at ", closeup_sharp_mm,
         " mm (instead of turning the lens)"));
assert(counter_share_of_width > 0.1 && counter_share_of_width <= 0.95, "counter_share_of_width: 0.1..0.95");
assert(lens_to_glass_mm > 10, "the camera would touch the glass: lower counter_share_of_width");

// ---- the hood ------------------------------------------------------------------------------
// A tapering tube from the window (open, with four screw tabs) to the camera plate (slanted end,
// tilted by glare_tilt_deg). Its inside follows the field of view, so it shuts out stray light
// without showing in the picture. Printed standing on its wide end: the walls lean in by at most
// half the field of view (26.75 deg, well under the 45 deg a printer bridges without supports),
// the slanted end is on top, the light window's top edge a short bridge.
tilt_shift_mm = lens_to_glass_mm * tan(glare_tilt_deg);   // the tilted view moves this far at the glass
front_inner_mm = [footprint_mm[0] + 2 * tolerance_mm, footprint_mm[1] + tilt_shift_mm + 2 * tolerance_mm];
lens_offset_mm = cam_board_mm[1] / 2 - cam_lens_from_top_mm;  // lens from the board centre
// room for the board (shifted so the lens is on the axis) and the ribbon slot below it
back_inner_mm = [cam_board_mm[0] + 8, 2 * (cam_board_mm[1] / 2 + abs(lens_offset_mm) + 6)];
outer_mm = [front_inner_mm[0] + 2 * wall_mm, front_inner_mm[1] + 2 * wall_mm];
back_outer_mm = [back_inner_mm[0] + 2 * wall_mm, back_inner_mm[1] + 2 * wall_mm];
flange_mm = 3;
tab_mm = 12;
hood_len_mm = lens_to_glass_mm;          // the lens sits at the tube's far end
light_window_mm = [min(40, hood_len_mm * 0.4), led_strip_width_mm + 2 * wall_mm + 2 * tolerance_mm];

module screw_tabs(size, thick) {
    for (sx = [-1, 1], sy = [-1, 1])
        translate([sx * (size[0] / 2 + tab_mm / 2 - 1), sy * (size[1] / 2 - tab_mm / 2), 0])
            difference() {
                translate([-tab_mm / 2, -tab_mm / 2, 0]) cube([tab_mm, tab_mm, thick]);
                translate([0, 0, -1]) cylinder(d = screw_hole_mm + tolerance_mm, h = thick + 2);
            }
}

// A frustum from a rectangle at z = 0 to one at z = h (centred; the back shifted by dy).
module frustum(front, back, h, dy = 0) {
    hull() {
        translate([-front[0] / 2, -front[1] / 2, 0]) cube([front[0], front[1], 0.01]);
        translate([-back[0] / 2, -back[1] / 2 + dy, h - 0.01]) cube([back[0], back[1], 0.01]);
    }
}

module hood() {
    extra_mm = back_outer_mm[1] * tan(glare_tilt_deg) + 2;
    // the back is shifted towards the tilt so the tilted axis meets the counter's centre
    dy = tilt_shift_mm / 2;
    difference() {
        union() {
            frustum(outer_mm, back_outer_mm, hood_len_mm + extra_mm, dy);
            screw_tabs(outer_mm, flange_mm);
        }
        translate([0, 0, -0.01]) frustum(front_inner_mm, back_inner_mm, hood_len_mm + extra_mm + 0.02, dy);
        translate([0, 0, -1]) cube([front_inner_mm[0] - 2, front_inner_mm[1] - 2, 2], center = true);
        // the slanted end: the camera plate lies on it, tilted by glare_tilt_deg
        translate([0, dy, hood_len_mm]) rotate([-glare_tilt_deg, 0, 0])
            translate([-outer_mm[0], -outer_mm[1], 0]) cube([2 * outer_mm[0], 2 * outer_mm[1], 2 * extra_mm + 10]);
        // light window in the left wall near the glass: the light bar shines from the side
        translate([-outer_mm[0] / 2 - 1, -light_window_mm[1] / 2, flange_mm + 2])
            cube([wall_mm + 12, light_window_mm[1], light_window_mm[0]]);
    }
}

// ---- the camera plate ----------------------------------------------------------------------
// Lies on the hood's slanted end (glued or taped to it), rim and pins inside the hood. The camera
// board sits on the four pins (a drop of glue or a warmed pin head holds it), lens towards the
// glass and on the hood's axis; the ribbon leaves through the slot below the board.
plate_mm = [back_outer_mm[0], back_outer_mm[1] / cos(glare_tilt_deg)];

module camera_plate() {
    board_bottom_y = -lens_offset_mm - cam_board_mm[1] / 2;
    rim = [back_inner_mm[0] - 2 * tolerance_mm - 2, plate_mm[1] - 2 * wall_mm - 2 * tolerance_mm - 2];
    difference() {
        union() {
            translate([-plate_mm[0] / 2, -plate_mm[1] / 2, 0]) cube([plate_mm[0], plate_mm[1], wall_mm]);
            // a rim that locates the plate in the tube
            translate([-rim[0] / 2, -rim[1] / 2, 0])
                difference() {
                    cube([rim[0], rim[1], wall_mm + 2]);
                    translate([1.2, 1.2, -1]) cube([rim[0] - 2.4, rim[1] - 2.4, wall_mm + 4]);
                }
            // pins for the board's 2 mm holes, the holes' row cam_hole_edge_mm from the top edge
            for (sx = [-1, 1], sy = [0, 1])
                translate([sx * cam_holes_mm[0] / 2,
                           -lens_offset_mm + cam_board_mm[1] / 2 - cam_hole_edge_mm - sy * cam_holes_mm[1], 0])
                    cylinder(d = 2 - tolerance_mm, h = wall_mm + 4);
        }
        // ribbon slot just below the board's bottom edge
        translate([-(cam_ribbon_width_mm + 2) / 2, board_bottom_y - 1 - (2 + 2 * tolerance_mm), -1])
            cube([cam_ribbon_width_mm + 2, 2 + 2 * tolerance_mm, wall_mm + 2]);
    }
}

// ---- the light bar -------------------------------------------------------------------------
// A channel for an LED strip that clips into the hood's side window. Printed on its face: the
// first layers (0.8 mm, translucent or white filament) are the diffuser between strip and glass.
diffuser_mm = 0.8;
module light_bar() {
    len = light_window_mm[0] - 2 * tolerance_mm;
    w = light_window_mm[1] - 2 * tolerance_mm;
    depth = 5;
    difference() {
        union() {
            translate([0, -w / 2, 0]) cube([len, w, depth]);
            // the collar stops it on the outside of the wall
            translate([-2, -w / 2 - 2, depth - 1.2]) cube([len + 4, w + 4, 1.2]);
        }
        translate([-1, -led_strip_width_mm / 2 - tolerance_mm, diffuser_mm])
            cube([len + 2, led_strip_width_mm + 2 * tolerance_mm, depth]);
    }
}

// ---- the Pi tray ---------------------------------------------------------------------------
// The Pi 2 B on four standoffs (M2.5 self-tapping screws), screw tabs to the cabinet wall, and an
// open side for the camera ribbon, USB and power.
module pi_tray() {
    tray = pi_board_mm + [2 * wall_mm + 4, 2 * wall_mm + 4];
    difference() {
        union() {
            translate([-tray[0] / 2, -tray[1] / 2, 0]) cube([tray[0], tray[1], wall_mm]);
            screw_tabs(tray, wall_mm);
            for (sx = [-1, 1], sy = [-1, 1])
                translate([sx * pi_holes_mm[0] / 2 - (pi_board_mm[0] - pi_holes_mm[0]) / 2 + pi_hole_edge_mm,
                           sy * pi_holes_mm[1] / 2, 0])
                    cylinder(d = 6, h = wall_mm + 5);
        }
        for (sx = [-1, 1], sy = [-1, 1])
            translate([sx * pi_holes_mm[0] / 2 - (pi_board_mm[0] - pi_holes_mm[0]) / 2 + pi_hole_edge_mm,
                       sy * pi_holes_mm[1] / 2, 1])
                cylinder(d = 2.2, h = wall_mm + 6);
        // vents under the processor
        for (i = [-2 : 2]) translate([i * 8 - 1.5, -15, -1]) cube([3, 30, wall_mm + 2]);
    }
}

// ---- layout --------------------------------------------------------------------------------
module print_plate() {
    gap = 8;
    hood();
    translate([outer_mm[0] / 2 + tab_mm + gap + plate_mm[0] / 2, 0, 0]) camera_plate();
    translate([0, outer_mm[1] / 2 + gap + 10, 0]) light_bar();
    translate([0, -(outer_mm[1] / 2 + gap + pi_board_mm[1] / 2 + wall_mm + 2), 0]) pi_tray();
}

module assembly() {
    color("lightgrey") hood();
    color("dimgrey") translate([0, tilt_shift_mm / 2, hood_len_mm]) rotate([-glare_tilt_deg, 0, 0])
        translate([0, 0, wall_mm]) rotate([180, 0, 0]) camera_plate();
    // the light bar in the left wall's window, leaning with the wall
    lean = atan((outer_mm[0] - back_outer_mm[0]) / 2 / (hood_len_mm + back_outer_mm[1] * tan(glare_tilt_deg) + 2));
    color("white") translate([-outer_mm[0] / 2 + 4, 0, flange_mm + 2 + tolerance_mm])
        rotate([0, lean, 0]) rotate([0, -90, 0]) light_bar();
    color("seagreen") translate([0, -outer_mm[1] / 2 - 60, 0]) pi_tray();
}

if (part == "hood") hood();
else if (part == "camera_plate") camera_plate();
else if (part == "light_bar") light_bar();
else if (part == "pi_tray") pi_tray();
else if (part == "print") print_plate();
else if (part == "assembly") assembly();
else assert(false, str("unknown part: ", part));
