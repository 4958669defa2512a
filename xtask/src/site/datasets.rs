//! The site's side of the table of bundled datasets `www/datasets.json`: the page's data menu
//! (`#ctl-data`), written into index.html so that the served page lists exactly the table's
//! datasets with no script run first; and a test that `cargo xtask data` wrote each dataset.

use recon_align::dataset::bundled;

use crate::Result;

/// Where index.html takes the data menu's options.
pub const DATA_MENU_MARKER: &str =
    "<!-- data options: written by cargo xtask dist from www/datasets.json -->";

/// `text` with the characters that HTML gives a meaning escaped.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// `html` with its marker replaced by one `<option>` per bundled dataset, in the table's order.
pub fn with_data_menu(html: &str) -> Result<String> {
    if html.matches(DATA_MENU_MARKER).count() != 1 {
        return Err(format!("index.html has not exactly one `{DATA_MENU_MARKER}`").into());
    }
    let options: Vec<String> = bundled()
        .iter()
        .map(|set| {
            format!(
                "<option value=\"{}\">{}</option>",
                escape(&set.name),
                escape(&set.label)
            )
        })
        .collect();
    Ok(html.replace(DATA_MENU_MARKER, &options.join("\n          ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_menu_lists_the_table_and_a_missing_marker_is_an_error() {
        let html = with_data_menu(&format!("<select>{DATA_MENU_MARKER}</select>")).unwrap();
        // The table, read here on its own.
        let table: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(crate::project_root().join("www/datasets.json")).unwrap(),
        )
        .unwrap();
        let want: String = table
            .as_array()
            .unwrap()
            .iter()
            .map(|row| {
                format!(
                    "<option value=\"{}\">{}</option>",
                    row["name"].as_str().unwrap(),
                    row["label"].as_str().unwrap()
                )
            })
            .collect::<Vec<_>>()
            .join("\n          ");
        assert_eq!(html, format!("<select>{want}</select>"));
        assert!(with_data_menu("<select></select>").is_err());
        assert_eq!(escape("a<b & \"c\">"), "a&lt;b &amp; &quot;c&quot;&gt;");
    }

    /// `cargo xtask data` (run by `cargo xtask test` before these tests) wrote one file per row
    /// of the table, read back with the row's count of images.
    #[test]
    fn each_bundled_dataset_is_written_with_its_images() {
        let root = crate::project_root();
        let table: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(root.join("www/datasets.json")).unwrap())
                .unwrap();
        let rows = table.as_array().unwrap();
        assert!(
            rows.len() >= 2,
            "the table lists the bundled datasets: {rows:?}"
        );
        for row in rows {
            let file = root.join("www/data").join(row["file"].as_str().unwrap());
            let bytes = std::fs::read(&file)
                .unwrap_or_else(|e| panic!("{} ({e}): run `cargo xtask data`", file.display()));
            let data = recon_align::dataset::Dataset::from_bundled(&bytes).unwrap();
            assert_eq!(
                data.n as u64,
                row["images"].as_u64().unwrap(),
                "{}",
                file.display()
            );
            assert_eq!(data.classes, 10, "{}", file.display());
        }
    }
}
