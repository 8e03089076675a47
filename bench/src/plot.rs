//! SVG plots drawn in Rust: latency distributions and per-size bars.

use hdrhistogram::Histogram;
use plotters::coord::Shift;
use plotters::coord::ranged1d::Ranged;
use plotters::prelude::*;

type Canvas<'a> = DrawingArea<SVGBackend<'a>, Shift>;

fn err(e: impl std::fmt::Display) -> anyhow::Error {
    anyhow::anyhow!("plot: {e}")
}

/// A white 900×500 SVG canvas at `path`.
fn canvas(path: &str) -> anyhow::Result<Canvas<'_>> {
    let root = SVGBackend::new(path, (900, 500)).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    Ok(root)
}

/// The layout every plot shares: title, margins, label areas.
fn layout<'a, 'b>(root: &'a Canvas<'b>, title: &str) -> ChartBuilder<'a, 'b, SVGBackend<'b>> {
    let mut builder = ChartBuilder::on(root);
    builder.caption(title, ("sans-serif", 22)).margin(15).x_label_area_size(40).y_label_area_size(60);
    builder
}

/// Draws the legend and writes the file.
fn finish<'a, X: Ranged, Y: Ranged>(
    mut chart: ChartContext<'a, SVGBackend<'a>, Cartesian2d<X, Y>>,
    root: &Canvas<'_>,
) -> anyhow::Result<()> {
    chart.configure_series_labels().border_style(BLACK).background_style(WHITE.mix(0.8)).draw().map_err(err)?;
    root.present().map_err(err)
}

/// Latency percentiles (x: percentile, y: ms, log scale) for several series.
pub(crate) fn percentiles(path: &str, title: &str, series: &[(String, Histogram<u64>)]) -> anyhow::Result<()> {
    let quantiles: Vec<f64> = [0.0, 25.0, 50.0, 75.0, 90.0, 95.0, 99.0, 99.5, 99.9, 99.99, 100.0].to_vec();
    let max_ms = series.iter().map(|(_, h)| h.max() as f64 / 1000.0).fold(0.01, f64::max) * 1.5;
    let root = canvas(path)?;
    let mut chart = layout(&root, title)
        .build_cartesian_2d(0usize..quantiles.len() - 1, (0.01f64..max_ms).log_scale())
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_labels(quantiles.len())
        .x_label_formatter(&|i| format!("p{}", quantiles.get(*i).copied().unwrap_or(0.0)))
        .y_desc("milliseconds (log)")
        .draw()
        .map_err(err)?;
    for (i, (name, h)) in series.iter().enumerate() {
        let color = Palette99::pick(i).to_rgba();
        let points: Vec<(usize, f64)> = quantiles
            .iter()
            .enumerate()
            .map(|(x, q)| (x, (h.value_at_quantile(q / 100.0) as f64 / 1000.0).max(0.01)))
            .collect();
        chart
            .draw_series(LineSeries::new(points, color.stroke_width(2)))
            .map_err(err)?
            .label(name.clone())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2)));
    }
    finish(chart, &root)
}

/// Grouped values per label (e.g. first/last receipt per fan-out size), in ms.
pub(crate) fn bars(path: &str, title: &str, labels: &[String], groups: &[(&str, Vec<f64>)]) -> anyhow::Result<()> {
    let max = groups.iter().flat_map(|(_, v)| v.iter().copied()).fold(0.1, f64::max) * 1.2;
    let root = canvas(path)?;
    let n = labels.len() * (groups.len() + 1);
    let mut chart = layout(&root, title).build_cartesian_2d(0..n, 0f64..max).map_err(err)?;
    chart
        .configure_mesh()
        .x_labels(n)
        .x_label_formatter(&|i| {
            if i % (groups.len() + 1) == 0 {
                labels.get(i / (groups.len() + 1)).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        })
        .y_desc("milliseconds")
        .draw()
        .map_err(err)?;
    for (g, (name, values)) in groups.iter().enumerate() {
        let color = Palette99::pick(g).to_rgba();
        chart
            .draw_series(values.iter().enumerate().map(|(i, v)| {
                let x = i * (groups.len() + 1) + g;
                Rectangle::new([(x, 0.0), (x + 1, *v)], color.filled())
            }))
            .map_err(err)?
            .label(*name)
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 10, y + 5)], color.filled()));
    }
    finish(chart, &root)
}

/// Several series of (x, y) points on shared linear axes.
pub(crate) fn lines(path: &str, title: &str, x_desc: &str, series: &[(&str, Vec<(f64, f64)>)]) -> anyhow::Result<()> {
    let points = || series.iter().flat_map(|(_, p)| p.iter().copied());
    let max_x = points().map(|p| p.0).fold(1.0, f64::max) * 1.05;
    let max_y = points().map(|p| p.1).fold(1.0, f64::max) * 1.2;
    let root = canvas(path)?;
    let mut chart = layout(&root, title).build_cartesian_2d(0f64..max_x, 0f64..max_y).map_err(err)?;
    chart.configure_mesh().x_desc(x_desc).draw().map_err(err)?;
    for (i, (name, points)) in series.iter().enumerate() {
        let color = Palette99::pick(i).to_rgba();
        chart
            .draw_series(LineSeries::new(points.iter().copied(), color.stroke_width(2)).point_size(4))
            .map_err(err)?
            .label(*name)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2)));
    }
    finish(chart, &root)
}
