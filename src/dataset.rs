//! Image datasets as raw bytes: the paper's X (N x D, pixels in [0,1] stored as u8) and labels Y.

/// A labelled image dataset kept as u8 pixels (value/255), one image per row, channel-major (C,H,W).
#[derive(Clone, Debug, PartialEq)]
pub struct Dataset {
    /// Number of images N.
    pub n: usize,
    /// Channels C.
    pub c: usize,
    /// Height H.
    pub h: usize,
    /// Width W.
    pub w: usize,
    /// N * D bytes, image i at `images[i*D..(i+1)*D]`.
    pub images: Vec<u8>,
    /// N labels in `0..classes`.
    pub labels: Vec<u8>,
    /// Number of classes (max label + 1).
    pub classes: usize,
}

impl Dataset {
    /// Pixels per image, D = C*H*W.
    pub fn d(&self) -> usize {
        self.c * self.h * self.w
    }

    /// Image `i` as bytes.
    pub fn image(&self, i: usize) -> &[u8] {
        let d = self.d();
        &self.images[i * d..(i + 1) * d]
    }

    /// The first `n` images (or all of them when `n >= N`).
    pub fn truncate(mut self, n: usize) -> Self {
        if n < self.n {
            self.n = n;
            self.images.truncate(n * self.d());
            self.labels.truncate(n);
        }
        self
    }
}
