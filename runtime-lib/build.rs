fn main() {
    println!("cargo:rerun-if-changed=src/trap/catch.c");
    cc::Build::new()
        .file("src/trap/catch.c")
        .opt_level(2)
        .compile("wasi_aot_catch");
}
