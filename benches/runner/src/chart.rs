//! `benches/ratios.svg`: a horizontal bar chart of the per-program run-time ratios
//! (wasi-aot / native and wasi-aot / wasmtime), with the geometric means last and a
//! line at 1.0. Hand-written SVG, so the runner needs no plotting dependency.

use std::fmt::Write as _;

use crate::report::Report;
use crate::variants::Variant;

const WIDTH: f64 = 760.0;
const LEFT: f64 = 120.0;
const RIGHT: f64 = 60.0;
const TOP: f64 = 58.0;
const GROUP: f64 = 26.0;
const BAR: f64 = 10.0;
const AXIS_CAP: f64 = 4.0;
const NATIVE_COLOR: &str = "#4e79a7";
const WASMTIME_COLOR: &str = "#f28e2b";

/// One group of two bars.
struct Row {
    label: String,
    vs_native: Option<f64>,
    vs_wasmtime: Option<f64>,
    bold: bool,
}

/// Renders the chart for `report`.
pub fn svg(report: &Report) -> String {
    let mut rows: Vec<Row> = report
        .kernels
        .iter()
        .map(|k| Row {
            label: k.name.clone(),
            vs_native: k.ratio(Variant::WasiAot, Variant::Native),
            vs_wasmtime: k.ratio(Variant::WasiAot, Variant::Wasmtime),
            bold: false,
        })
        .collect();
    rows.push(Row {
        label: "geomean".into(),
        vs_native: report.geomean(Variant::WasiAot, Variant::Native),
        vs_wasmtime: report.geomean(Variant::WasiAot, Variant::Wasmtime),
        bold: true,
    });

    let max_ratio = rows
        .iter()
        .flat_map(|r| [r.vs_native, r.vs_wasmtime])
        .flatten()
        .fold(1.0_f64, f64::max);
    // Past AXIS_CAP the scale would squeeze the interesting region around 1.0, so a
    // longer bar is cut at the edge and marked; its label still gives the value.
    let step = 0.5;
    let axis_max = ((max_ratio.min(AXIS_CAP) / step).ceil() * step).max(1.5);
    let plot = WIDTH - LEFT - RIGHT;
    let x = |ratio: f64| LEFT + ratio.min(axis_max) / axis_max * plot;
    let height = TOP + GROUP * rows.len() as f64 + 40.0;

    let mut out = String::new();
    let _ = writeln!(
        out,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="12">"##
    );
    let _ = writeln!(out, r##"<rect width="100%" height="100%" fill="white"/>"##);
    let _ = writeln!(
        out,
        r##"<text x="10" y="18" font-size="14" font-weight="bold">wasi-aot run time relative to native gcc -O2 and to wasmtime (lower is better)</text>"##
    );
    // Legend.
    for (i, (color, text)) in [
        (NATIVE_COLOR, "wasi-aot / native"),
        (WASMTIME_COLOR, "wasi-aot / wasmtime"),
    ]
    .iter()
    .enumerate()
    {
        let lx = LEFT + i as f64 * 180.0;
        let _ = writeln!(
            out,
            r##"<rect x="{lx}" y="28" width="12" height="12" fill="{color}"/><text x="{}" y="38">{text}</text>"##,
            lx + 16.0
        );
    }
    // Grid and axis labels.
    let bottom = TOP + GROUP * rows.len() as f64;
    let mut tick = 0.0;
    while tick <= axis_max + 1e-9 {
        let tx = x(tick);
        let (stroke, width) = if (tick - 1.0).abs() < 1e-9 {
            ("#333", 1.5)
        } else {
            ("#ddd", 1.0)
        };
        let _ = writeln!(
            out,
            r##"<line x1="{tx:.1}" y1="{TOP}" x2="{tx:.1}" y2="{bottom}" stroke="{stroke}" stroke-width="{width}"/>"##
        );
        let _ = writeln!(
            out,
            r##"<text x="{tx:.1}" y="{}" text-anchor="middle" fill="#555">{tick:.1}×</text>"##,
            bottom + 16.0
        );
        tick += step;
    }
    // Bars.
    for (i, row) in rows.iter().enumerate() {
        let gy = TOP + GROUP * i as f64;
        if row.bold {
            let _ = writeln!(
                out,
                r##"<line x1="10" y1="{gy}" x2="{}" y2="{gy}" stroke="#999"/>"##,
                WIDTH - 10.0
            );
        }
        let weight = if row.bold { "bold" } else { "normal" };
        let _ = writeln!(
            out,
            r##"<text x="{}" y="{}" text-anchor="end" font-weight="{weight}">{}</text>"##,
            LEFT - 8.0,
            gy + GROUP / 2.0 + 4.0,
            escape(&row.label)
        );
        for (j, (ratio, color)) in [
            (row.vs_native, NATIVE_COLOR),
            (row.vs_wasmtime, WASMTIME_COLOR),
        ]
        .into_iter()
        .enumerate()
        {
            let by = gy + 3.0 + j as f64 * (BAR + 1.0);
            match ratio {
                Some(r) => {
                    let _ = writeln!(
                        out,
                        r##"<rect x="{LEFT}" y="{by:.1}" width="{:.1}" height="{BAR}" fill="{color}"/><text x="{:.1}" y="{:.1}" font-size="10" fill="#333">{r:.2}</text>"##,
                        x(r) - LEFT,
                        x(r) + 3.0,
                        by + BAR - 1.0
                    );
                    if r > axis_max {
                        // A white slanted gap near the end: the bar is broken.
                        let _ = writeln!(
                            out,
                            r##"<path d="M{:.1},{:.1} l4,-{BAR} l3,0 l-4,{BAR} z" fill="white"/>"##,
                            x(r) - 16.0,
                            by + BAR
                        );
                    }
                }
                None => {
                    let _ = writeln!(
                        out,
                        r##"<text x="{}" y="{:.1}" font-size="10" fill="#a00">not timed</text>"##,
                        LEFT + 3.0,
                        by + BAR - 1.0
                    );
                }
            }
        }
    }
    let _ = writeln!(out, "</svg>");
    out
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
