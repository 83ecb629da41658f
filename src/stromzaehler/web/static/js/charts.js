// Loads the vendored ECharts build once, on the first page that draws a chart.

let loading = null;

export function loadECharts() {
  if (window.echarts) return Promise.resolve(window.echarts);
  loading ??= new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = "vendor/echarts/echarts.min.js";
    script.onload = () => resolve(window.echarts);
    script.onerror = () => reject(new Error("vendor/echarts/echarts.min.js could not be loaded"));
    document.head.append(script);
  });
  return loading;
}

/** A chart in `element` that follows the element's size; returns [chart, dispose]. */
export function createChart(echarts, element) {
  const chart = echarts.init(element, null, { renderer: "canvas" });
  const observer = new ResizeObserver(() => chart.resize());
  observer.observe(element);
  return [chart, () => {
    observer.disconnect();
    // zrender (in the pinned ECharts 6.1.0) paints long lists over several animation frames
    // and a frame still queued after dispose() fails ("reading 'layerStack'"). A queued frame
    // only paints while the painter's redraw id is unchanged, so changing it cancels it.
    const painter = chart.getZr()?.painter;
    if (painter && "_redrawId" in painter) painter._redrawId = -1;
    chart.dispose();
  }];
}
