//! Tests of the trainer: exact derivatives, the gradient/Jacobian identity, the Gram matrix, the
//! layer norms, determinism, config validation and the residual flow `ė ≈ −M e`.

use super::model::Model;
use super::spectral::largest_tridiagonal_eigenvalue;
use super::*;
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
