fn main() {
    // Link flags a Node addon needs (undefined napi_* symbols resolved by the node binary).
    napi_build::setup();
}
