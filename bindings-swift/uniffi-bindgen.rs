//! `uniffi-bindgen generate --library <libsensorsanalytics_uniffi.so> --language kotlin|swift`:
//! the generator, built from the same uniffi version as the library it reads.
fn main() {
    uniffi::uniffi_bindgen_main()
}
