//! The GPU kernels agree with naive f64 CPU references (run natively, e.g. on lavapipe).

mod gpu_support;

use gpu_support::optimum::moments;
use gpu_support::{
    centred_f64, context, gram_f64, matmul_f64, max_abs, synthetic_dataset, transpose, TestRng,
};
use recon_align::gpu::{gram, gram_with_plan, pencil, Gemm, GpuImages, GpuMatrix, GramPlan, Op};
use recon_align::spectral::{Noise, NoiseMap, Preprocessing};

#[test]
fn gpu_gram_matches_cpu_gram() {
    let Some(ctx) = context() else { return };
    // D = 2*5*7 = 70: not a multiple of the 32-wide tile nor of 4 bytes per word.
    let data = synthetic_dataset(203, 2, 5, 7, 1);
    let st = Preprocessing::of_dataset(&data);
    let images = GpuImages::upload(&ctx, &data, None).unwrap();
    let g =
        pollster::block_on(async { gram(&ctx, &images, &st).await?.to_vec(&ctx).await }).unwrap();
    let d = data.d();
    let reference = gram_f64(&centred_f64(&data, &st), data.n, d);
    // f32 sums of N products: error ~ N * 2^-24 relative to the largest entry; 1e-4 leaves 10x margin
    // and still catches any indexing slip, which is O(1).
    let scale = max_abs(&reference);
    for i in 0..d {
        for j in 0..d {
            let err = (g[i * d + j] as f64 - reference[i * d + j]).abs();
            assert!(
                err <= 1e-4 * scale,
                "G[{i},{j}] = {} vs {}",
                g[i * d + j],
                reference[i * d + j]
            );
        }
    }
    for i in 0..d {
        for j in 0..i {
            assert_eq!(g[i * d + j], g[j * d + i], "G must be exactly symmetric");
        }
    }
}

#[test]
fn chunked_gram_agrees_with_unchunked_gram() {
    let Some(ctx) = context() else { return };
    let data = synthetic_dataset(150, 1, 9, 8, 2);
    let st = Preprocessing::of_dataset(&data);
    let whole = GpuImages::upload(&ctx, &data, None).unwrap();
    let chunked = GpuImages::upload(&ctx, &data, Some(4)).unwrap();
    assert_eq!(whole.chunk_count(), 1);
    assert_eq!(chunked.chunk_count(), 150usize.div_ceil(4));
    let tiny = GramPlan {
        max_splits: 3,
        rows_per_submission: 3,
    };
    let (a, b, c) = pollster::block_on(async {
        let a = gram(&ctx, &whole, &st).await?.to_vec(&ctx).await?;
        let b = gram(&ctx, &chunked, &st).await?.to_vec(&ctx).await?;
        let c = gram_with_plan(&ctx, &whole, &st, tiny)
            .await?
            .to_vec(&ctx)
            .await?;
        Ok::<_, recon_align::gpu::GpuError>((a, b, c))
    })
    .unwrap();
    // Different summation orders only: agreement to f32 rounding of the largest entry.
    let scale = a.iter().fold(0f32, |m, v| m.max(v.abs()));
    for ((x, y), z) in a.iter().zip(&b).zip(&c) {
        assert!((x - y).abs() <= 1e-5 * scale, "{x} vs {y}");
        assert!((x - z).abs() <= 1e-5 * scale, "{x} vs {z}");
    }
}

#[test]
fn gram_bits_do_not_depend_on_how_slices_are_grouped_into_submissions() {
    let Some(ctx) = context() else { return };
    // 1200 rows over 3 partials: slices of 400 rows, one or three per submission.
    let data = synthetic_dataset(1200, 1, 6, 6, 4);
    let st = Preprocessing::of_dataset(&data);
    let images = GpuImages::upload(&ctx, &data, None).unwrap();
    let plan = |rows_per_submission| GramPlan {
        max_splits: 3,
        rows_per_submission,
    };
    let (one, three) = pollster::block_on(async {
        let one = gram_with_plan(&ctx, &images, &st, plan(400)).await?;
        let three = gram_with_plan(&ctx, &images, &st, plan(1200)).await?;
        Ok::<_, recon_align::gpu::GpuError>((one.to_vec(&ctx).await?, three.to_vec(&ctx).await?))
    })
    .unwrap();
    let bits = |g: &[f32]| g.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&one), bits(&three));
    // And the slicing is real: a single slice sums in another order.
    let single = pollster::block_on(async {
        let plan = GramPlan {
            max_splits: 1,
            rows_per_submission: 1200,
        };
        gram_with_plan(&ctx, &images, &st, plan)
            .await?
            .to_vec(&ctx)
            .await
    })
    .unwrap();
    assert_ne!(bits(&one), bits(&single));
}

#[test]
fn gpu_gemm_matches_cpu_gemm_for_every_transpose() {
    let Some(ctx) = context() else { return };
    let (m, k, n) = (67, 45, 130); // no dimension is a multiple of the 32 x 32 x 32 tiling nor all of 4
    let mut rng = TestRng::new(3);
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
        let stored_a = if op_a == Op::Transposed {
            transpose(&a, m, k)
        } else {
            a.clone()
        };
        let stored_b = if op_b == Op::Transposed {
            transpose(&b, k, n)
        } else {
            b.clone()
        };
        let (ra, ca) = if op_a == Op::Transposed {
            (k, m)
        } else {
            (m, k)
        };
        let (rb, cb) = if op_b == Op::Transposed {
            (n, k)
        } else {
            (k, n)
        };
        let got = pollster::block_on(async {
            let ga = GpuMatrix::from_slice(&ctx, ra, ca, &stored_a)?;
            let gb = GpuMatrix::from_slice(&ctx, rb, cb, &stored_b)?;
            let gc = GpuMatrix::from_slice(&ctx, m, n, &c0)?;
            Gemm {
                alpha,
                a: &ga,
                op_a,
                b: &gb,
                op_b,
                beta,
                c: &gc,
            }
            .run(&ctx)
            .await?;
            gc.to_vec(&ctx).await
        })
        .unwrap();
        for i in 0..m * n {
            let want = alpha as f64 * ab[i] + beta as f64 * c0[i] as f64;
            // Standard forward bound for a length-K dot product in f32: (K+2) u sum|a||b|.
            let bound = (k as f64 + 2.0)
                * f32::EPSILON as f64
                * (alpha.abs() as f64 * bound_ab[i] + beta.abs() as f64 * (c0[i] as f64).abs());
            assert!(
                (got[i] as f64 - want).abs() <= bound,
                "{op_a:?} {op_b:?} C[{i}] = {} vs {want}",
                got[i]
            );
        }
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
