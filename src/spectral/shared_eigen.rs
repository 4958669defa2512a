//! The eigendecompositions of one Gram, computed once and shared: PCA's (G = U diag(lambda) U^T),
//! which also solves the clean and the Gaussian pencils, and the generalized eigenpairs of the
//! most recent pencils (the alignment and the never-beneficial panels ask for the same noise).

use std::sync::{Arc, Mutex, OnceLock};

use super::{GeneralizedEigen, Gram, Noise, Pca, Pencil, SpectralError};

/// Pencils whose eigenpairs are kept (each is D x D: 4.9 MB for D = 784).
const KEPT_PENCILS: usize = 2;

/// Lazily computed eigendecompositions of one Gram; a clone shares what was already computed.
#[derive(Debug, Default)]
pub(crate) struct SharedEigen {
    pca: OnceLock<Arc<Pca>>,
    pencils: Mutex<Vec<(Noise, Arc<GeneralizedEigen>)>>,
}

impl Clone for SharedEigen {
    fn clone(&self) -> Self {
        SharedEigen {
            pca: self.pca.clone(),
            pencils: Mutex::new(self.pencils.lock().map(|p| p.clone()).unwrap_or_default()),
        }
    }
}

impl SharedEigen {
    /// PCA of `gram` (the Gram that owns this cache), computed on the first call.
    pub(crate) fn pca(&self, gram: &Gram) -> Result<Arc<Pca>, SpectralError> {
        if let Some(p) = self.pca.get() {
            return Ok(p.clone());
        }
        let p = Arc::new(Pca::compute(gram)?);
        Ok(self.pca.get_or_init(|| p).clone())
    }

    /// The generalized eigenpairs of `noise`'s pencil on `gram`, kept for the latest pencils.
    pub(crate) fn pencil(
        &self,
        gram: &Gram,
        noise: &Noise,
    ) -> Result<Arc<GeneralizedEigen>, SpectralError> {
        let find = |kept: &[(Noise, Arc<GeneralizedEigen>)]| {
            kept.iter()
                .find(|(n, _)| n == noise)
                .map(|(_, e)| e.clone())
        };
        if let Some(e) = self.pencils.lock().ok().and_then(|kept| find(&kept)) {
            return Ok(e);
        }
        let e = Arc::new(Pencil::new(gram, noise)?.solve()?);
        if let Ok(mut kept) = self.pencils.lock() {
            if find(&kept).is_none() {
                if kept.len() == KEPT_PENCILS {
                    kept.remove(0);
                }
                kept.push((*noise, e.clone()));
            }
        }
        Ok(e)
    }
}
