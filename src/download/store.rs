//! `--out` as an object-store URL: opened (and checked with one listing, so a missing bucket or
//! refused credentials stop the run before any download or deletion) for the download path and
//! `vsrec delete`.

use std::path::Path;

use crate::archive::Archive;
use crate::archive::object::{Bucket, is_url};
use crate::error::Error;

/// The bucket `out` names, checked. Its errors name the bucket and the store's error code.
pub fn open(out: &Path) -> Result<Archive, Error> {
    let url = out.to_string_lossy();
    let bucket = Bucket::new(&url).map_err(Error::Usage)?;
    bucket.check().map_err(Error::Usage)?;
    Ok(Archive::Object(bucket))
}

/// `--out` as reports show it: the URL as given, or the folder's absolute path.
pub fn shown(out: &Path) -> String {
    if is_url(out) {
        return out.to_string_lossy().trim_end_matches('/').to_owned();
    }
    std::path::absolute(out)
        .unwrap_or_else(|_| out.to_owned())
        .to_string_lossy()
        .into_owned()
}
