//! Results as JSON and Markdown under the report directory.

use serde_json::{Value, json};

pub(crate) struct Figure {
    pub(crate) name: String,
    pub(crate) value: f64,
    pub(crate) unit: String,
}

impl Figure {
    pub(crate) fn new(name: &str, value: f64, unit: &str) -> Self {
        Figure { name: name.to_owned(), value, unit: unit.to_owned() }
    }
}

pub(crate) struct Run {
    pub(crate) scenario: String,
    pub(crate) parameters: Value,
    pub(crate) figures: Vec<Figure>,
    /// SVG files next to the report.
    pub(crate) plots: Vec<String>,
}

pub(crate) fn markdown(run: &Run) -> String {
    let mut out = format!(
        "## {}\n\nParameters: `{}`\n\n| figure | value | unit |\n|---|---:|---|\n",
        run.scenario, run.parameters
    );
    for f in &run.figures {
        out.push_str(&format!("| {} | {:.2} | {} |\n", f.name, f.value, f.unit));
    }
    for p in &run.plots {
        out.push_str(&format!("\n![{p}]({p})\n"));
    }
    out
}

pub(crate) fn write(dir: &str, run: &Run) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)?;
    let json = json!({
        "scenario": run.scenario,
        "parameters": run.parameters,
        "figures": run.figures.iter().map(|f| json!({ "name": f.name, "value": f.value, "unit": f.unit })).collect::<Vec<_>>(),
        "plots": run.plots,
    });
    std::fs::write(format!("{dir}/{}.json", run.scenario), serde_json::to_string_pretty(&json)?)?;
    std::fs::write(format!("{dir}/{}.md", run.scenario), markdown(run))?;
    Ok(())
}
