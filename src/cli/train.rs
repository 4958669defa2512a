//! `recon-align train` (one JSON line per epoch), the GPU-built Gram behind `align --gram gpu`,
//! and the GPU context of every `--backend gpu`.

use std::io::Write;
use std::sync::atomic::AtomicBool;

use recon_align::dataset::Dataset;
use recon_align::gpu::{self, GpuContext, GpuImages};
use recon_align::live::{EpochSummary, Monitor};
use recon_align::spectral::{
    Gram, ImageShape, Preprocessing, SpectralError, DEFAULT_RELATIVE_RIDGE,
};
use recon_align::train::{train_dae, Backend, TrainSettings};
use serde_json::json;

use super::commands::load;
use super::{Device, Failure, Output, TrainArgs};

/// The wgpu adapter, or a message that suggests `--backend cpu`.
pub(super) fn gpu_context() -> Result<GpuContext, Failure> {
    pollster::block_on(GpuContext::new())
        .map_err(|e| Failure::Run(format!("no usable GPU ({e}); use --backend cpu")))
}

/// G built by the Gram kernel from the u8 images on the device (exact integer sums, one f32 rounding per entry), with the
/// class sums Y^T X and the preprocessing computed on the CPU in f64.
pub(super) fn gpu_gram(data: &Dataset) -> Result<Gram, Failure> {
    let ctx = gpu_context()?;
    let preprocessing = Preprocessing::of_dataset(data);
    let images = GpuImages::upload(&ctx, data, None)?;
    let g = pollster::block_on(async {
        gpu::gram(&ctx, &images, &preprocessing)
            .await?
            .to_vec(&ctx)
            .await
    })?;
    let g: Vec<f64> = g.into_iter().map(f64::from).collect();
    let d = data.d();
    let mut class_sums = vec![0f64; data.classes * d];
    for i in 0..data.n {
        let row = &mut class_sums[data.labels[i] as usize * d..][..d];
        for (sum, x) in row.iter_mut().zip(preprocessing.apply(data.image(i))) {
            *sum += x;
        }
    }
    let shape = ImageShape {
        c: data.c,
        h: data.h,
        w: data.w,
    };
    Ok(Gram::from_preprocessed(
        shape,
        preprocessing,
        &g,
        &class_sums,
        &data.class_counts(),
        DEFAULT_RELATIVE_RIDGE,
    )?)
}

/// Trains the linear DAE and prints one JSON line per epoch (the page's training panel, as text).
pub(super) fn train(args: &TrainArgs) -> Result<Output, Failure> {
    let settings = TrainSettings {
        k: args.k,
        noise: args.noise.to_string(),
        lr: args.lr,
        optimiser: args.optimiser.name().to_string(),
        momentum: args.momentum,
        epochs: args.epochs,
        batch: args.batch,
        seed: args.seed,
    };
    let data = load(&args.data)?;
    let (_, config) = settings
        .resolve(Monitor::training_size(data.n), data.d())
        .map_err(|e| match e {
            SpectralError::InvalidArgument(why) => Failure::Usage(why),
            other => Failure::Usage(other.to_string()),
        })?;
    let monitor = Monitor::new(&data, &config)?;
    let ctx = match args.backend {
        Device::Gpu => Some(gpu_context()?),
        Device::Cpu => None,
    };
    let backend = ctx.as_ref().map_or(Backend::Cpu, Backend::Gpu);
    let name = backend.name();
    let json = args.json;
    let mut failure = None;
    let cancel = AtomicBool::new(false);
    let mut stdout = std::io::stdout().lock();
    let run = pollster::block_on(train_dae(
        backend,
        monitor.training_set(),
        monitor.preprocessing(),
        &config,
        &cancel,
        |report| {
            let line = monitor
                .summarise(&data, report, name)
                .map(|s| epoch_line(&s, name, json));
            match line {
                // A closed pipe stops the run; anything printed so far stays printed.
                Ok(line) => writeln!(stdout, "{line}")
                    .and_then(|_| stdout.flush())
                    .is_ok(),
                Err(e) => {
                    failure = Some(e);
                    false
                }
            }
        },
    ))?;
    if let Some(e) = failure {
        return Err(e.into());
    }
    if !json {
        let (train, test) = monitor.split_sizes();
        writeln!(
            stdout,
            "{} epochs on {name}; probe scored on {test} held-out images (fitted on {train})",
            run.reports.len()
        )
        .ok();
    }
    Ok(Output::Text(String::new()))
}

/// One epoch's line: the summary as JSON, or a human-readable row.
fn epoch_line(s: &EpochSummary, backend: &str, json: bool) -> String {
    if json {
        return json!(s).to_string();
    }
    format!(
        "epoch {:>4}  loss {:>12.4}  optimum {:>12.4}  gap {:>10.4}  alignment {:>7.3}%  \
         probe {:>6.2}%  {:>9.0} samples/s ({backend})",
        s.epoch,
        s.loss,
        s.optimum,
        s.gap,
        s.alignment,
        100.0 * s.probe_acc,
        s.samples_per_sec
    )
}
