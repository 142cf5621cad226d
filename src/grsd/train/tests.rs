//! Tests of the trainer: exact derivatives, the gradient/Jacobian identity, the Gram matrix, the
//! layer norms, determinism, config validation and the residual flow `ė ≈ −M e`.

use super::model::Model;
use super::spectral::largest_tridiagonal_eigenvalue;
use super::*;
use crate::rundata::RunData;
use std::cell::Cell;

const ARCHS: [Arch; 2] = [Arch::Plain, Arch::Residual];

fn config(arch: Arch, depth: usize, width: usize, samples: usize) -> TrainConfig {
    TrainConfig {
        arch,
        depth,
        width,
        input_dim: 2,
        samples,
        steps: 10,
        learning_rate: 1e-3,
        checkpoints: 2,
        seed: 7,
        save_jacobian: false,
        lambda_dt_target: None,
    }
}

fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs().max(f64::MIN_POSITIVE)
}

/// ‖a − b‖_F / ‖b‖_F.
fn rel_mat(a: &DMatrix<f64>, b: &DMatrix<f64>) -> f64 {
    (a - b).norm() / b.norm()
}

fn exact_jacobian(model: &Model, data: &Dataset) -> DMatrix<f64> {
    let fwd = model.forward(&data.x);
    let unit = model.backward(&fwd, &DVector::from_element(data.x.ncols(), 1.0));
    model.jacobian(&data.x, &fwd, &unit)
}

#[test]
fn backprop_jacobian_matches_central_differences() {
    for arch in ARCHS {
        let cfg = config(arch, 2, 3, 4);
        let (data, model) = setup(&cfg);
        let jac = exact_jacobian(&model, &data);
        let theta = model.params.to_flat();
        assert_eq!(jac.ncols(), theta.len());
        assert_eq!(jac.ncols(), cfg.parameter_count().unwrap());
        let mut probe = model.clone();
        let h = 1e-5;
        let mut fd = DMatrix::zeros(jac.nrows(), jac.ncols());
        for p in 0..theta.len() {
            let mut t = theta.clone();
            t[p] += h;
            probe.params.set_flat(&t);
            let plus = probe.forward(&data.x).out;
            t[p] -= 2.0 * h;
            probe.params.set_flat(&t);
            let minus = probe.forward(&data.x).out;
            fd.set_column(p, &((plus - minus) / (2.0 * h)));
        }
        let worst = (&fd - &jac).amax() / jac.amax();
        let frob = rel_mat(&fd, &jac);
        println!(
            "{arch}: finite-difference Jacobian: max entry error {worst:.2e} of max |J|, Frobenius {frob:.2e}"
        );
        assert!(worst < 1e-6 && frob < 1e-6, "{arch}: {worst:e} {frob:e}");
    }
}

#[test]
fn training_gradient_is_jacobian_transpose_residual() {
    for arch in ARCHS {
        let cfg = config(arch, 3, 8, 6);
        let (data, model) = setup(&cfg);
        let fwd = model.forward(&data.x);
        let e = &fwd.out - &data.y;
        let grad = model.gradient(&data.x, &fwd, &model.backward(&fwd, &e)).to_flat();
        let jte = exact_jacobian(&model, &data).tr_mul(&e);
        let err = (&grad - &jte).norm() / jte.norm();
        println!("{arch}: ‖∇L − Jᵀe‖/‖Jᵀe‖ = {err:.2e}");
        assert!(err < 1e-13, "{arch}: {err:e}");
    }
}

#[test]
fn blockwise_gram_equals_explicit_j_jt() {
    // Width 8 > 5 so that nalgebra takes the matrixmultiply path, as in real runs.
    for arch in ARCHS {
        let cfg = config(arch, 3, 8, 7);
        let (data, model) = setup(&cfg);
        let fwd = model.forward(&data.x);
        let unit = model.backward(&fwd, &DVector::from_element(cfg.samples, 1.0));
        let jac = model.jacobian(&data.x, &fwd, &unit);
        let explicit = &jac * jac.transpose();
        let err = rel_mat(&model.gram(&data.x, &fwd, &unit), &explicit);
        assert!(err < 1e-13, "{arch}: {err:e}");
    }
}

#[test]
fn layer_norms_match_dense_svd() {
    for arch in ARCHS {
        for (depth, width, samples) in [(3, 5, 4), (2, 24, 5), (3, 64, 12)] {
            let cfg = config(arch, depth, width, samples);
            let (data, model) = setup(&cfg);
            let fwd = model.forward(&data.x);
            let got = model.layer_norms(&fwd);
            let scale = match arch {
                Arch::Plain => 1.0,
                Arch::Residual => 1.0 / (depth as f64).sqrt(),
            } / (width as f64).sqrt();
            for (k, w) in model.params.w.iter().enumerate() {
                let mut want = 0.0_f64;
                for i in 0..samples {
                    let mut d =
                        DMatrix::from_fn(width, width, |a, b| fwd.dtanh[k][(a, i)] * w[(a, b)] * scale);
                    if arch == Arch::Residual {
                        d += DMatrix::identity(width, width);
                    }
                    want = want.max(d.singular_values().max());
                }
                let err = rel(got[k], want);
                assert!(
                    err < 1e-10,
                    "{arch} n={width} layer {k}: {} vs {want} ({err:e})",
                    got[k]
                );
            }
        }
    }
}

#[test]
fn tridiagonal_bisection_matches_dense_eigen() {
    let a = [2.0, -1.0, 0.5, 3.0, 3.0, 0.25];
    let b = [1.0, 0.3, -2.0, 1e-9, 0.7];
    let dense = DMatrix::from_fn(6, 6, |i, j| {
        if i == j {
            a[i]
        } else if i + 1 == j {
            b[i]
        } else if j + 1 == i {
            b[j]
        } else {
            0.0
        }
    });
    let want = dense.symmetric_eigenvalues().max();
    assert!(rel(largest_tridiagonal_eigenvalue(&a, &b), want) < 1e-14);
    assert!(rel(largest_tridiagonal_eigenvalue(&[4.0], &[]), 4.0) < 1e-15);
}

#[test]
fn gram_is_symmetric_psd_and_loss_decreases() {
    for arch in ARCHS {
        let cfg = TrainConfig {
            arch,
            depth: 3,
            width: 16,
            input_dim: 4,
            samples: 16,
            steps: 400,
            learning_rate: 1e-2,
            checkpoints: 9,
            seed: 3,
            save_jacobian: false,
            lambda_dt_target: None,
        };
        let run = train(&cfg, None).unwrap();
        assert_eq!(run.times.len(), 9);
        assert_eq!(run.gram.len(), 9);
        let norms = run.layer_jacobian_norms.as_ref().unwrap();
        assert_eq!(norms.shape(), (9, 3));
        assert!(norms.iter().all(|v| v.is_finite() && *v > 0.0));
        for m in &run.gram {
            assert!((m - m.transpose()).amax() <= 0.0, "exactly symmetric");
            let eig = m.clone().symmetric_eigenvalues();
            assert!(eig.min() >= -1e-12 * eig.max(), "PSD: {}", eig.min());
        }
        let losses: Vec<f64> = run.residual.iter().map(|e| 0.5 * e.norm_squared()).collect();
        println!("{arch}: loss at checkpoints {losses:.3?}");
        assert!(losses.windows(2).all(|w| w[1] < w[0]), "{losses:?}");
        assert!(losses[8] < 0.5 * losses[0], "{losses:?}");
        assert!(rel(run.times[8], 4.0) < 1e-15);
    }
}

#[test]
fn same_seed_same_run_different_seed_different_run() {
    let cfg = TrainConfig {
        arch: Arch::Residual,
        depth: 2,
        width: 8,
        input_dim: 3,
        samples: 5,
        steps: 20,
        learning_rate: 1e-2,
        checkpoints: 5,
        seed: 11,
        save_jacobian: true,
        lambda_dt_target: None,
    };
    let a = train(&cfg, None).unwrap();
    let b = train(&cfg, None).unwrap();
    assert_eq!(a, b);
    let c = train(
        &TrainConfig {
            seed: 12,
            ..cfg.clone()
        },
        None,
    )
    .unwrap();
    assert_ne!(a.residual, c.residual);
    assert_ne!(a.gram, c.gram);
    // The saved Jacobians are consistent with the saved Gram matrices.
    let js = a.jacobian.as_ref().unwrap();
    assert_eq!(js.len(), 5);
    for (j, m) in js.iter().zip(&a.gram) {
        assert_eq!(j.shape(), (5, cfg.parameter_count().unwrap()));
        assert!(rel_mat(&(j * j.transpose()), m) < 1e-13);
    }
}

/// Lemma-1 premise (docs/theory.md §2.1): `(e(t+η) − e(t))/η = −M(t) e(t) + O(η)`.
#[test]
fn residual_follows_gradient_flow_to_first_order() {
    let measure = |arch, lr| {
        let cfg = TrainConfig {
            arch,
            depth: 3,
            width: 16,
            input_dim: 4,
            samples: 8,
            steps: 4,
            learning_rate: lr,
            checkpoints: 5,
            seed: 5,
            save_jacobian: false,
            lambda_dt_target: None,
        };
        let run = train(&cfg, None).unwrap();
        let mut worst = 0.0_f64;
        for k in 0..4 {
            let dt = run.times[k + 1] - run.times[k];
            assert!(rel(dt, lr) < 1e-12);
            let lhs = (&run.residual[k + 1] - &run.residual[k]) / dt;
            let rhs = -(&run.gram[k] * &run.residual[k]);
            worst = worst.max((lhs - &rhs).norm() / rhs.norm());
        }
        worst
    };
    for arch in ARCHS {
        let coarse = measure(arch, 1e-4);
        let fine = measure(arch, 5e-5);
        println!("{arch}: ‖Δe/δ + M e‖/‖M e‖ = {coarse:.2e} (η = 1e-4), {fine:.2e} (η = 5e-5)");
        assert!(coarse < 1e-3, "{arch}: {coarse:e}");
        // First order in η: halving the step halves the defect.
        let ratio = coarse / fine;
        assert!((1.8..2.2).contains(&ratio), "{arch}: ratio {ratio}");
    }
}

#[test]
fn checkpoint_schedule_is_even_and_inclusive() {
    let s = checkpoint_steps(2000, 50);
    assert_eq!(s.len(), 50);
    assert_eq!((s[0], s[49]), (0, 2000));
    assert!(s.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(checkpoint_steps(5, 6), vec![0, 1, 2, 3, 4, 5]);
    assert_eq!(checkpoint_steps(7, 2), vec![0, 7]);
    assert_eq!(checkpoint_steps(10, 4), vec![0, 3, 7, 10]);
}

#[test]
fn progress_is_reported_every_step() {
    let calls = Cell::new(0);
    let last = Cell::new((0, 0));
    let report = |done, total| {
        calls.set(calls.get() + 1);
        last.set((done, total));
    };
    let cfg = config(Arch::Plain, 1, 4, 3);
    train(&cfg, Some(&report)).unwrap();
    assert_eq!(calls.get(), cfg.steps);
    assert_eq!(last.get(), (cfg.steps, cfg.steps));
}

#[test]
fn bad_configs_are_rejected_by_field() {
    let good = config(Arch::Plain, 2, 4, 4);
    assert!(good.validate().is_ok());
    assert!(
        TrainConfig {
            checkpoints: 11,
            ..good.clone()
        }
        .validate()
        .is_ok()
    );
    let cases: Vec<(TrainConfig, &str)> = vec![
        (
            TrainConfig {
                depth: 0,
                ..good.clone()
            },
            "depth",
        ),
        (
            TrainConfig {
                width: 0,
                ..good.clone()
            },
            "width",
        ),
        (
            TrainConfig {
                input_dim: 0,
                ..good.clone()
            },
            "input_dim",
        ),
        (
            TrainConfig {
                samples: 1,
                ..good.clone()
            },
            "samples",
        ),
        (
            TrainConfig {
                steps: 0,
                ..good.clone()
            },
            "steps",
        ),
        (
            TrainConfig {
                checkpoints: 1,
                ..good.clone()
            },
            "checkpoints",
        ),
        (
            TrainConfig {
                checkpoints: 12,
                ..good.clone()
            },
            "checkpoints",
        ),
        (
            TrainConfig {
                learning_rate: 0.0,
                ..good.clone()
            },
            "learning_rate",
        ),
        (
            TrainConfig {
                learning_rate: -1e-3,
                ..good.clone()
            },
            "learning_rate",
        ),
        (
            TrainConfig {
                learning_rate: f64::NAN,
                ..good.clone()
            },
            "learning_rate",
        ),
        (
            TrainConfig {
                learning_rate: f64::INFINITY,
                ..good.clone()
            },
            "learning_rate",
        ),
        (
            TrainConfig {
                learning_rate: f64::MAX,
                ..good.clone()
            },
            "learning_rate",
        ),
        (
            TrainConfig {
                width: usize::MAX / 2,
                ..good.clone()
            },
            "width",
        ),
        (
            TrainConfig {
                samples: usize::MAX / 4,
                ..good.clone()
            },
            "samples",
        ),
        (
            TrainConfig {
                save_jacobian: true,
                checkpoints: 11,
                width: 1 << 28,
                ..good.clone()
            },
            "save_jacobian",
        ),
    ];
    for (cfg, field) in cases {
        match cfg.validate() {
            Err(TrainError::InvalidConfig { field: f, .. }) => assert_eq!(f, field, "{cfg:?}"),
            other => panic!("{cfg:?}: expected an error on `{field}`, got {other:?}"),
        }
        match train(&cfg, None) {
            Err(Error::InvalidInput { location, .. }) => assert!(location.contains(field), "{location}"),
            other => panic!("{cfg:?}: {other:?}"),
        }
    }
}

#[test]
fn divergence_is_reported_with_its_step() {
    let cfg = TrainConfig {
        learning_rate: 1e4,
        steps: 500,
        ..config(Arch::Plain, 2, 8, 6)
    };
    match run(&cfg, None) {
        Err(TrainError::Diverged { step, loss, .. }) => {
            assert!((1..=500).contains(&step) && !loss.is_finite(), "{step} {loss}");
        }
        other => panic!("expected divergence, got {:?}", other.map(|_| ())),
    }
    let err = train(&cfg, None).unwrap_err();
    assert!(matches!(err, Error::Numeric { .. }), "{err:?}");
    assert_eq!(err.kind(), crate::ErrorKind::Internal);
    assert!(err.to_string().contains("diverged at step"), "{err}");
}

#[test]
fn arch_names_round_trip() {
    for arch in ARCHS {
        assert_eq!(arch.to_string().parse::<Arch>(), Ok(arch));
    }
    assert_eq!("Residual".parse::<Arch>(), Ok(Arch::Residual));
    assert!("conv".parse::<Arch>().is_err());
}

#[test]
fn default_config_is_the_documented_one() {
    let d = TrainConfig::default();
    assert_eq!(
        (
            d.depth,
            d.width,
            d.input_dim,
            d.samples,
            d.steps,
            d.checkpoints,
            d.seed
        ),
        (8, 32, 8, 64, 2000, 50, 0)
    );
    assert!(rel(d.learning_rate, 1e-3) < 1e-15);
    assert!(d.validate().is_ok());
}

/// The naive `J Jᵀ` (explicit Jacobian, nalgebra's product) against the tiled, factored Gram for
/// tilings that split the samples unevenly, into single samples and not at all.
#[test]
fn tiled_gram_equals_naive_j_jt_for_every_tiling() {
    for arch in ARCHS {
        let cfg = config(arch, 3, 8, 11);
        let (data, model) = setup(&cfg);
        let fwd = model.forward(&data.x);
        let unit = model.backward(&fwd, &DVector::from_element(cfg.samples, 1.0));
        let jac = model.jacobian(&data.x, &fwd, &unit);
        // Naive J Jᵀ, entry by entry (independent of any blocking).
        let naive = DMatrix::from_fn(cfg.samples, cfg.samples, |i, j| jac.row(i).dot(&jac.row(j)));
        for tile in [1, 3, 4, 11, 128] {
            let m = model.gram_tiled(&data.x, &fwd, &unit, tile);
            let err = rel_mat(&m, &naive);
            assert!(err < 1e-12, "{arch} tile {tile}: {err:e}");
            assert_eq!(m, m.transpose(), "{arch} tile {tile}: exactly symmetric");
        }
    }
}

#[test]
fn lanczos_top_eigenvalue_matches_dense_eigen() {
    let cfg = config(Arch::Residual, 2, 8, 40);
    let (data, model) = setup(&cfg);
    let fwd = model.forward(&data.x);
    let unit = model.backward(&fwd, &DVector::from_element(cfg.samples, 1.0));
    let m = model.gram(&data.x, &fwd, &unit);
    let want = m.clone().symmetric_eigenvalues().max();
    let got = spectral::largest_eigenvalue(&m);
    assert!(rel(got, want) < 1e-10, "{got} vs {want}");
    // A diagonal matrix with a known top value, and a rank-one one.
    let d = DMatrix::from_diagonal(&DVector::from_fn(30, |i, _| 1.0 + i as f64));
    assert!(rel(spectral::largest_eigenvalue(&d), 30.0) < 1e-12);
    let v = DVector::from_fn(9, |i, _| (i as f64 - 4.0) / 3.0);
    let r1 = &v * v.transpose();
    assert!(rel(spectral::largest_eigenvalue(&r1), v.norm_squared()) < 1e-12);
}

/// `max λ_max·Δt` recomputed from the written run alone (dense eigenvalues of each `gram[k]`).
fn achieved_lambda_dt(run: &RunData) -> f64 {
    let top: Vec<f64> = run
        .gram
        .iter()
        .map(|m| m.clone().symmetric_eigenvalues().max())
        .collect();
    (0..run.times.len() - 1)
        .map(|k| (run.times[k + 1] - run.times[k]) * top[k].max(top[k + 1]))
        .fold(0.0, f64::max)
}

#[test]
fn adaptive_spacing_meets_the_target_and_reports_it() {
    let base = TrainConfig {
        arch: Arch::Residual,
        depth: 2,
        width: 8,
        input_dim: 3,
        samples: 12,
        steps: 300,
        learning_rate: 2e-3,
        checkpoints: 301,
        seed: 4,
        save_jacobian: false,
        lambda_dt_target: None,
    };
    // Evenly spaced: the summary reports what the data shows.
    let (even, even_summary) = run(&base, None).unwrap();
    assert_eq!(even.times.len(), 301);
    let even_achieved = achieved_lambda_dt(&even);
    assert!(rel(even_summary.max_lambda_dt, even_achieved) < 1e-9);
    assert_eq!(even_summary.target_met(), None);
    // Coarse evenly spaced checkpoints miss a target that adaptive spacing meets with far fewer.
    let target = 0.1;
    let coarse = TrainConfig {
        checkpoints: 4,
        ..base.clone()
    };
    let (_, coarse_summary) = run(&coarse, None).unwrap();
    assert!(coarse_summary.max_lambda_dt > target, "{coarse_summary:?}");
    let adaptive = TrainConfig {
        lambda_dt_target: Some(target),
        ..base.clone()
    };
    let (run_a, summary) = run(&adaptive, None).unwrap();
    let achieved = achieved_lambda_dt(&run_a);
    println!(
        "adaptive: {} checkpoints, achieved {achieved:.4} (summary {:.4}); even: {even_achieved:.4}",
        run_a.times.len(),
        summary.max_lambda_dt
    );
    assert!(rel(summary.max_lambda_dt, achieved) < 1e-9);
    assert!(achieved <= target, "{achieved}");
    assert_eq!(summary.target_met(), Some(true));
    assert!(run_a.times.len() < 301, "{}", run_a.times.len());
    assert!(
        rel(*run_a.times.last().unwrap(), 300.0 * 2e-3) < 1e-15,
        "ends at the last step"
    );
    assert!(run_a.times.windows(2).all(|w| w[1] > w[0]));
    // Each interval is the largest whole number of steps within the target at its start (or the
    // rest of the run).
    for k in 0..run_a.times.len() - 1 {
        // Whole step counts, recovered exactly from the times (step · η).
        let steps_taken = ((run_a.times[k + 1] - run_a.times[k]) / 2e-3).round() as u64;
        let rate = match k {
            0 => summary.lambda_max[0],
            _ => summary.lambda_max[k] * (summary.lambda_max[k] / summary.lambda_max[k - 1]).max(1.0),
        };
        let allowed = (target / (rate * 2e-3)).floor().max(1.0) as u64;
        let rest = 300 - (run_a.times[k] / 2e-3).round() as u64;
        assert!(
            steps_taken == allowed || steps_taken == rest,
            "{k}: {steps_taken} {allowed} {rest}"
        );
    }
    // A small budget: all of it is used, the run still ends at the last step, and the miss is
    // reported.
    let tight = TrainConfig {
        checkpoints: 5,
        lambda_dt_target: Some(1e-3),
        ..base.clone()
    };
    let (run_t, summary_t) = run(&tight, None).unwrap();
    assert_eq!(run_t.times.len(), 5);
    assert!(rel(*run_t.times.last().unwrap(), 0.6) < 1e-15);
    assert_eq!(summary_t.target_met(), Some(false));
    assert!(summary_t.line().contains("NOT met"), "{}", summary_t.line());
}

#[test]
fn budget_rule_never_runs_out_of_checkpoints() {
    // Whatever the eigenvalue, `checkpoints` checkpoints always reach the last step.
    for (steps, budget) in [(10, 2), (10, 3), (1000, 7), (97, 96), (5, 6)] {
        for lambda in [0.0, 1e-9, 1.0, 1e9, f64::INFINITY] {
            let cfg = TrainConfig {
                steps,
                checkpoints: budget,
                lambda_dt_target: Some(0.1),
                ..TrainConfig::default()
            };
            let mut at = vec![0];
            while let Some(next) = next_checkpoint(&cfg, at.len(), *at.last().unwrap(), lambda) {
                assert!(next > *at.last().unwrap());
                at.push(next);
            }
            assert!(at.len() <= budget, "{steps} {budget} {lambda}: {at:?}");
            assert_eq!(*at.last().unwrap(), steps, "{steps} {budget} {lambda}: {at:?}");
        }
    }
}

#[test]
fn bit_identical_with_one_and_two_threads() {
    // 300 samples: three Gram tiles per side and two sample chunks, so the parallel tiling and
    // the chunked passes are exercised.
    let cfg = TrainConfig {
        arch: Arch::Plain,
        depth: 3,
        width: 6,
        input_dim: 3,
        samples: 300,
        steps: 6,
        learning_rate: 1e-3,
        checkpoints: 3,
        seed: 2,
        save_jacobian: false,
        lambda_dt_target: None,
    };
    let bytes = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let run = pool.install(|| train(&cfg, None)).unwrap();
        crate::rundata::npz_bytes(&run, "test").unwrap()
    };
    let one = bytes(1);
    assert_eq!(one, bytes(2));
    assert_eq!(one, bytes(1), "and repeatable");
}

#[test]
fn output_cap_is_checked_before_training() {
    let big = |samples, checkpoints| TrainConfig {
        samples,
        steps: 1000,
        checkpoints,
        ..TrainConfig::default()
    };
    // 8·T·(N² + N) ≤ 4 GiB: N = 2048 allows 127 checkpoints, not 128.
    assert!(big(2048, 127).validate().is_ok());
    assert_eq!(
        big(2048, 127).output_bytes(),
        Some(8 * 127 * (2048 * 2048 + 2048))
    );
    match big(2048, 128).validate() {
        Err(TrainError::InvalidConfig { field, message }) => {
            assert_eq!(field, "checkpoints");
            assert!(message.contains("at most 127 checkpoints"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    // With Jacobians: P = 133 248 at width 128, so 8·100·256·P ≈ 27 GB.
    let with_jacobian = TrainConfig {
        save_jacobian: true,
        width: 128,
        ..big(256, 100)
    };
    assert!(
        TrainConfig {
            save_jacobian: false,
            ..with_jacobian.clone()
        }
        .validate()
        .is_ok()
    );
    match with_jacobian.validate() {
        Err(TrainError::InvalidConfig { field, .. }) => assert_eq!(field, "save_jacobian"),
        other => panic!("{other:?}"),
    }
    for bad in [0.0, -0.1, f64::NAN, f64::INFINITY] {
        let cfg = TrainConfig {
            lambda_dt_target: Some(bad),
            ..TrainConfig::default()
        };
        match cfg.validate() {
            Err(TrainError::InvalidConfig { field, .. }) => assert_eq!(field, "lambda_dt_target"),
            other => panic!("{bad}: {other:?}"),
        }
    }
}

#[test]
fn metadata_names_its_schema_and_the_achieved_value() {
    let cfg = config(Arch::Plain, 1, 4, 3);
    let (run_data, summary) = run(&cfg, None).unwrap();
    let text = metadata_json(&cfg, &run_data, &summary).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["schema"], META_SCHEMA);
    assert_eq!(v["checkpoints_written"], 2);
    assert_eq!(v["lambda_max"].as_array().map(Vec::len), Some(2));
    assert_eq!(v["max_lambda_dt"].as_f64(), Some(summary.max_lambda_dt));
    assert_eq!(v["spacing"], "even");
}

/// Above `SAMPLE_CHUNK` samples the passes run on chunks; they agree with the one-batch passes.
#[test]
fn chunked_passes_match_the_whole_batch() {
    for arch in ARCHS {
        let cfg = config(arch, 3, 8, 300);
        let (data, model) = setup(&cfg);
        let fwd = model.forward(&data.x);
        let whole = model.forward_serial(&data.x);
        for (a, b) in fwd
            .h
            .iter()
            .zip(&whole.h)
            .chain(fwd.dtanh.iter().zip(&whole.dtanh))
        {
            assert_eq!(a.shape(), (8, 300));
            assert!(rel_mat(a, b) < 1e-14, "{arch}: {:e}", rel_mat(a, b));
        }
        assert!((&fwd.out - &whole.out).norm() <= 1e-14 * whole.out.norm());
        let e = &fwd.out - &data.y;
        let chunked = model.backward(&fwd, &e);
        let serial = model.backward_serial(&whole.dtanh, &e);
        for (a, b) in chunked
            .gz
            .iter()
            .zip(&serial.gz)
            .chain([(&chunked.gh0, &serial.gh0)])
        {
            assert_eq!(a.shape(), (8, 300));
            assert!(rel_mat(a, b) < 1e-14, "{arch}: {:e}", rel_mat(a, b));
        }
    }
}
