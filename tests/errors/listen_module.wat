;; --listen on a WASI Preview 1 core module: only wasi:http/proxy components serve HTTP.
(module (func (export "_start")))
