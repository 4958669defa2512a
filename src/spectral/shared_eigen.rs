//! The eigendecompositions of one Gram, computed once and shared: PCA's (G = U diag(lambda) U^T),
//! which also solves the clean and the Gaussian pencils, and the generalized eigenpairs of the
//! most recent pencils (the alignment and the never-beneficial panels ask for the same noise)
//! and the mask families of the most recent patch sides (the sweep).

use std::sync::{Arc, Mutex, OnceLock};

use super::{GeneralizedEigen, Gram, MaskFamily, Noise, Pca, Pencil, SpectralError};

/// Pencils whose eigenpairs are kept (each is D x D: 4.9 MB for D = 784).
const KEPT_PENCILS: usize = 2;

/// Mask families kept (each holds one D x D matrix): the alignment panel's and the one the sweep
/// is on (a worker takes one patch side's masks after another).
const KEPT_FAMILIES: usize = 2;

/// Lazily computed eigendecompositions of one Gram; a clone shares what was already computed.
#[derive(Debug, Default)]
pub(crate) struct SharedEigen {
    pca: OnceLock<Arc<Pca>>,
    pencils: Mutex<Vec<(Noise, Arc<GeneralizedEigen>)>>,
    families: Mutex<Vec<(usize, Arc<MaskFamily>)>>,
}

impl Clone for SharedEigen {
    fn clone(&self) -> Self {
        SharedEigen {
            pca: self.pca.clone(),
            pencils: Mutex::new(self.pencils.lock().map(|p| p.clone()).unwrap_or_default()),
            families: Mutex::new(self.families.lock().map(|f| f.clone()).unwrap_or_default()),
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
        kept(&self.pencils, noise, KEPT_PENCILS, || {
            Pencil::new(gram, noise)?.solve()
        })
    }

    /// The family of the masks with patch side `patch` on `gram`, kept for the latest sides.
    pub(crate) fn mask_family(
        &self,
        gram: &Gram,
        patch: usize,
    ) -> Result<Arc<MaskFamily>, SpectralError> {
        kept(&self.families, &patch, KEPT_FAMILIES, || {
            MaskFamily::new(gram, patch)
        })
    }
}

/// The value kept for `key` in `cache`, or `compute`'s, which then replaces the oldest of at most
/// `capacity` kept values.
fn kept<K: PartialEq + Copy, V>(
    cache: &Mutex<Vec<(K, Arc<V>)>>,
    key: &K,
    capacity: usize,
    compute: impl FnOnce() -> Result<V, SpectralError>,
) -> Result<Arc<V>, SpectralError> {
    let find = |kept: &[(K, Arc<V>)]| kept.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
    if let Some(v) = cache.lock().ok().and_then(|kept| find(&kept)) {
        return Ok(v);
    }
    let v = Arc::new(compute()?);
    if let Ok(mut kept) = cache.lock() {
        if find(&kept).is_none() {
            if kept.len() == capacity {
                kept.remove(0);
            }
            kept.push((*key, v.clone()));
        }
    }
    Ok(v)
}
