//! Gives the shared library an ELF soname (`libsensorsanalytics.so.<major>`), so that programs
//! linked against it depend on the major version, which `make install` provides as a symlink.
fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if matches!(
        os.as_str(),
        "linux" | "android" | "freebsd" | "netbsd" | "openbsd" | "dragonfly"
    ) {
        let major = env!("CARGO_PKG_VERSION_MAJOR");
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libsensorsanalytics.so.{major}");
    }
}
