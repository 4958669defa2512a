//! The GPU kernels against independent CPU references (run natively, e.g. on lavapipe): the
//! Gram against the exact value computed in integers, GEMM against f64 with an f32 error bound.

mod gpu_support;

use gpu_support::optimum::moments;
use gpu_support::{
    centred_f64, context, gram_f64, matmul_f64, max_abs, synthetic_dataset, transpose, TestRng,
};
use recon_align::dataset::Dataset;
use recon_align::gpu::{
    gram, gram_with_plan, pencil, Gemm, GpuContext, GpuImages, GpuMatrix, GramPlan, Op,
};
use recon_align::spectral::{Noise, NoiseMap, Preprocessing};

/// The paper's G = X^T X, exactly: with S = sum b b^T and s = sum b over the byte images b,
/// N S - s s^T is an integer (computed in i128) and G = (N S - s s^T) / (N (255 scale)^2) is
/// rounded once, to f64.
fn exact_gram(data: &Dataset, scale: f64) -> Vec<f64> {
    let (n, d) = (data.n, data.d());
    let mut s = vec![0i128; d];
    let mut raw = vec![0i128; d * d];
    for r in 0..n {
        let image = data.image(r);
        for i in 0..d {
            let bi = i128::from(image[i]);
            s[i] += bi;
            if bi != 0 {
                for j in i..d {
                    raw[i * d + j] += bi * i128::from(image[j]);
                }
            }
        }
    }
    let denominator = n as f64 * (255.0 * scale).powi(2);
    let mut g = vec![0f64; d * d];
    for i in 0..d {
        for j in i..d {
            let numerator = n as i128 * raw[i * d + j] - s[i] * s[j];
            g[i * d + j] = numerator as f64 / denominator;
            g[j * d + i] = g[i * d + j];
        }
    }
    g
}

/// The contract of the GPU Gram: every entry within 6 units of f32 rounding (2^-24) of the
/// exact value, relative to that entry (so exact zeros come back as zeros), and G symmetric
/// bit for bit. The kernel's own error is at most about 4 such units: the exact 64-bit
/// numerator is rounded by two f32 additions, then multiplied by the rounded factor.
fn assert_exact_gram(g: &[f32], data: &Dataset, st: &Preprocessing, what: &str) {
    let d = data.d();
    let exact = exact_gram(data, st.scale);
    let unit = (-24f64).exp2();
    for i in 0..d {
        for j in 0..d {
            let (got, want) = (f64::from(g[i * d + j]), exact[i * d + j]);
            assert!(
                (got - want).abs() <= 6.0 * unit * want.abs(),
                "{what}: G[{i},{j}] = {got} vs exact {want}"
            );
            assert_eq!(
                g[i * d + j].to_bits(),
                g[j * d + i].to_bits(),
                "{what}: G[{i},{j}] symmetry"
            );
        }
    }
}

fn gpu_gram(
    ctx: &GpuContext,
    images: &GpuImages,
    st: &Preprocessing,
    plan: Option<GramPlan>,
) -> Vec<f32> {
    pollster::block_on(async {
        let g = match plan {
            Some(plan) => gram_with_plan(ctx, images, st, plan).await?,
            None => gram(ctx, images, st).await?,
        };
        g.to_vec(ctx).await
    })
    .unwrap()
}

/// Images of `shape` whose byte at (image r, pixel j) is `byte(r, j)`.
fn dataset_of(
    n: usize,
    shape: (usize, usize, usize),
    mut byte: impl FnMut(usize, usize) -> u8,
) -> Dataset {
    let (c, h, w) = shape;
    let d = c * h * w;
    Dataset {
        n,
        c,
        h,
        w,
        images: (0..n * d).map(|at| byte(at / d, at % d)).collect(),
        labels: vec![0; n],
        classes: 1,
    }
}

#[test]
fn gpu_gram_is_exact_up_to_rounding() {
    let Some(ctx) = context() else { return };
    // D = 2*5*7 = 70: not a multiple of the 64-wide tile nor of 4 bytes per word.
    let data = synthetic_dataset(203, 2, 5, 7, 1);
    let st = Preprocessing::of_dataset(&data);
    let images = GpuImages::upload(&ctx, &data, None).unwrap();
    assert_exact_gram(&gpu_gram(&ctx, &images, &st, None), &data, &st, "D = 70");
    // The old definition still holds: G = X^T X of the f64-centred data, to f64 rounding.
    let g = gpu_gram(&ctx, &images, &st, None);
    let reference = gram_f64(&centred_f64(&data, &st), data.n, data.d());
    let scale = max_abs(&reference);
    for (got, want) in g.iter().zip(&reference) {
        assert!((f64::from(*got) - want).abs() <= 1e-9 * scale + 1e-6 * want.abs());
    }
}

#[test]
fn mnist_shaped_gpu_gram_is_exact_up_to_rounding() {
    let Some(ctx) = context() else { return };
    // D = 784 (13 tiles of 64, the last one holding the augmented column), blank borders.
    let mut rng = TestRng::new(7);
    let data = dataset_of(300, (1, 28, 28), |_, j| {
        let (y, x) = (j / 28, j % 28);
        if y < 3 || x < 3 || y > 24 {
            0
        } else {
            (rng.next_u64() % 256) as u8
        }
    });
    let st = Preprocessing::of_dataset(&data);
    let images = GpuImages::upload(&ctx, &data, None).unwrap();
    assert_exact_gram(&gpu_gram(&ctx, &images, &st, None), &data, &st, "D = 784");
}

#[test]
fn gram_of_more_images_than_a_u32_slice_holds_is_exact() {
    let Some(ctx) = context() else { return };
    // N = 70,000 > 66,051: bytes near 255 nearly fill every u32 slice sum, and the centred
    // entries are small differences of ~3e14-sized integers. Pixel 0 is always 0 and pixel 1
    // always 255: their rows and columns of G are exactly zero.
    let mut rng = TestRng::new(11);
    let data = dataset_of(70_000, (1, 3, 4), |_, j| match j {
        0 => 0,
        1 => 255,
        _ => 255 - (rng.next_u64() % 4) as u8,
    });
    let st = Preprocessing::of_dataset(&data);
    let whole = GpuImages::upload(&ctx, &data, None).unwrap();
    // One slice per group: slices of 66,048 images (the most one u32 partial takes) and 3,952,
    // each reduced into the 64-bit sums on its own.
    let one_partial = GramPlan {
        max_splits: 1,
        rows_per_submission: 1 << 20,
    };
    // Chunks of 33,336 images: the last slice ends exactly at a chunk boundary.
    let chunked = GpuImages::upload(&ctx, &data, Some(33_336)).unwrap();
    assert_eq!(chunked.chunk_count(), 3);
    let runs = [
        ("default plan", gpu_gram(&ctx, &whole, &st, None)),
        (
            "one partial",
            gpu_gram(&ctx, &whole, &st, Some(one_partial)),
        ),
        ("chunked", gpu_gram(&ctx, &chunked, &st, None)),
    ];
    for (what, g) in &runs {
        assert_exact_gram(g, &data, &st, what);
        assert_eq!(g[0], 0.0);
        assert_eq!(g[12 + 5], 0.0);
    }
}

#[test]
fn gram_of_constant_images_is_zero() {
    let Some(ctx) = context() else { return };
    for value in [0u8, 255] {
        let data = dataset_of(9, (1, 5, 5), |_, _| value);
        let st = Preprocessing::of_dataset(&data);
        let images = GpuImages::upload(&ctx, &data, None).unwrap();
        let g = gpu_gram(&ctx, &images, &st, None);
        assert!(g.iter().all(|&v| v == 0.0), "constant {value}: {g:?}");
    }
}

#[test]
fn gram_bits_do_not_depend_on_the_work_split() {
    let Some(ctx) = context() else { return };
    // 1200 rows: one slice, three slices of 400 (one or three per submission), chunks of 4.
    let data = synthetic_dataset(1200, 1, 9, 8, 4);
    let st = Preprocessing::of_dataset(&data);
    let whole = GpuImages::upload(&ctx, &data, None).unwrap();
    let chunked = GpuImages::upload(&ctx, &data, Some(4)).unwrap();
    let plan = |max_splits, rows_per_submission| GramPlan {
        max_splits,
        rows_per_submission,
    };
    let bits = |g: Vec<f32>| g.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
    let reference = bits(gpu_gram(&ctx, &whole, &st, Some(plan(1, 1200))));
    assert_exact_gram(&gpu_gram(&ctx, &whole, &st, None), &data, &st, "1200 rows");
    for (max_splits, rows) in [(3, 400), (3, 1200), (32, 3)] {
        let g = gpu_gram(&ctx, &whole, &st, Some(plan(max_splits, rows)));
        assert_eq!(
            bits(g),
            reference,
            "{max_splits} splits, {rows} rows per submission"
        );
    }
    assert_eq!(
        bits(gpu_gram(&ctx, &chunked, &st, None)),
        reference,
        "chunks of 4"
    );
}

/// C = alpha op(A) op(B) + beta C on the GPU against f64, for every transpose, within the
/// standard forward bound of a length-K f32 dot product, (K + 2) eps sum |a||b| (plus beta C).
fn check_gemm(ctx: &GpuContext, (m, k, n): (usize, usize, usize), seed: u64) {
    let mut rng = TestRng::new(seed);
    let a = rng.vec(m * k);
    let b = rng.vec(k * n);
    let c0 = rng.vec(m * n);
    let (alpha, beta) = (0.75f32, -1.5f32);
    let a64: Vec<f64> = a.iter().map(|&v| v as f64).collect();
    let b64: Vec<f64> = b.iter().map(|&v| v as f64).collect();
    let ab = matmul_f64(&a64, &b64, m, k, n);
    let abs_a: Vec<f64> = a64.iter().map(|v| v.abs()).collect();
    let abs_b: Vec<f64> = b64.iter().map(|v| v.abs()).collect();
    let bound_ab = matmul_f64(&abs_a, &abs_b, m, k, n);
    for (op_a, op_b) in [
        (Op::Plain, Op::Plain),
        (Op::Transposed, Op::Plain),
        (Op::Plain, Op::Transposed),
        (Op::Transposed, Op::Transposed),
    ] {
        let (stored_a, ra, ca) = match op_a {
            Op::Plain => (a.clone(), m, k),
            Op::Transposed => (transpose(&a, m, k), k, m),
        };
        let (stored_b, rb, cb) = match op_b {
            Op::Plain => (b.clone(), k, n),
            Op::Transposed => (transpose(&b, k, n), n, k),
        };
        let got = pollster::block_on(async {
            let ga = GpuMatrix::from_slice(ctx, ra, ca, &stored_a)?;
            let gb = GpuMatrix::from_slice(ctx, rb, cb, &stored_b)?;
            let gc = GpuMatrix::from_slice(ctx, m, n, &c0)?;
            let product = Gemm::product(&ga, op_a, &gb, op_b, &gc).scaled(alpha);
            Gemm { beta, ..product }.run(ctx).await?;
            gc.to_vec(ctx).await
        })
        .unwrap();
        for i in 0..m * n {
            let want = alpha as f64 * ab[i] + beta as f64 * c0[i] as f64;
            let bound = (k as f64 + 2.0)
                * f32::EPSILON as f64
                * (alpha.abs() as f64 * bound_ab[i] + beta.abs() as f64 * (c0[i] as f64).abs());
            assert!(
                (got[i] as f64 - want).abs() <= bound,
                "{m}x{k}x{n} {op_a:?} {op_b:?}: C[{i}] = {} vs {want}",
                got[i]
            );
        }
    }
}

#[test]
fn gpu_gemm_matches_cpu_gemm_for_every_transpose_and_odd_sizes() {
    let Some(ctx) = context() else { return };
    // Sizes on both sides of the 64 x 64 x 16 tiling and of 4-wide vectors.
    let shapes = [
        (1, 1, 1),
        (7, 63, 65),
        (65, 7, 63),
        (63, 65, 7),
        (1, 785, 7),
        (67, 45, 130),
        (784, 784, 784),
        (785, 65, 784),
    ];
    for (seed, shape) in shapes.into_iter().enumerate() {
        check_gemm(&ctx, shape, seed as u64);
    }
}

/// The paper's pencil in f64, written out: A = C C^T with C = sum E[x~] x^T, B = sum E[x~ x~^T].
fn pencil_f64(
    g: &[f64],
    d: usize,
    n: usize,
    noise: Noise,
    shape: (usize, usize, usize),
) -> (Vec<f64>, Vec<f64>) {
    let (c, b) = moments(g, d, n, noise, shape);
    (matmul_f64(&c, &transpose(&c, d, d), d, d, d), b)
}

/// Every level 0..=9, in a pattern that differs between neighbouring cells.
fn varied_map() -> NoiseMap {
    let digits: String = (0..49)
        .map(|i| char::from(b'0' + ((i * 7) % 10) as u8))
        .collect();
    digits.parse().unwrap()
}

#[test]
fn gpu_pencil_matches_cpu_pencil_for_every_noise() {
    let Some(ctx) = context() else { return };
    // 2 channels, 5 x 7 pixels: 2x2 patches leave ragged edges on both sides.
    let data = synthetic_dataset(60, 2, 5, 7, 4);
    let shape = (data.c, data.h, data.w);
    let st = Preprocessing::of_dataset(&data);
    let d = data.d();
    let g64 = gram_f64(&centred_f64(&data, &st), data.n, d);
    let images = GpuImages::upload(&ctx, &data, None).unwrap();
    let g = pollster::block_on(gram(&ctx, &images, &st)).unwrap();
    for noise in [
        Noise::None,
        Noise::Gaussian { std: 0.3 },
        Noise::Mask { p: 0.4, patch: 1 },
        Noise::Mask { p: 0.75, patch: 2 },
        Noise::DropMap { map: varied_map() },
        Noise::GaussMap { map: varied_map() },
    ] {
        let (a, b) = pollster::block_on(async {
            let pencil = pencil(&ctx, &g, noise, data.n, shape).await?;
            Ok::<_, recon_align::gpu::GpuError>((
                pencil.a.to_vec(&ctx).await?,
                pencil.b.to_vec(&ctx).await?,
            ))
        })
        .unwrap();
        let (a64, b64) = pencil_f64(&g64, d, data.n, noise, shape);
        // Inherits the Gram tolerance (1e-4 of the largest entry); G G adds a length-D f32 dot product.
        for (name, got, want) in [("A", &a, &a64), ("B", &b, &b64)] {
            let scale = max_abs(want);
            for i in 0..d * d {
                assert!(
                    (got[i] as f64 - want[i]).abs() <= 1e-4 * scale,
                    "{noise:?} {name}[{i}] = {} vs {}",
                    got[i],
                    want[i]
                );
            }
        }
    }
}

#[test]
fn every_kernel_in_the_list_compiles() {
    let Some(ctx) = context() else { return };
    // A WGSL or layout error surfaces as wgpu's uncaptured error, which `compile_kernels` reports.
    pollster::block_on(ctx.compile_kernels()).unwrap();
}
