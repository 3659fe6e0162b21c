//! The WASI 0.2 functions and resource types the compiler binds component imports to.
//!
//! This table is the single list. A component import of `interface@0.2.N` binds to the entry
//! for `interface` (any `0.2.x` version, as wasmtime matches them); anything else is a
//! build-time error naming the interface, function and version. The runtime defines one
//! host symbol ([`crate::symbols::wasi_p2_host_function`]) per function entry through
//! [`for_each_wasi_p2_function`].
//!
//! Host calling convention: the core signature of the canonical ABI's lowering (parameters
//! flattened, a return pointer past 16 values or for results of more than one value), as
//! `extern "C" fn(context, params..., result: *mut T) -> i32` where `result` is present only
//! when the lowered function has one core result. `context` is the lowering's context record,
//! whose first field is a [`crate::vmctx::VmHeader`]. A negative return means the host
//! function trapped or exited and the runtime holds the reason; compiled code then raises
//! [`crate::Trap::Host`]. Zero is success.

use crate::ValType;

/// Invokes `$mac!` with every WASI 0.2 function the host implements, written as
/// `module::function = "interface" "name" (param: type, ...) -> result;`, where `module` is the
/// host module implementing it, `interface` is the WIT interface without its version,
/// `name` the component-level function name, and `result` the one core result type or `()`.
#[macro_export]
macro_rules! for_each_wasi_p2_function {
    ($mac:ident) => {
        $mac! {
            cli::get_environment = "wasi:cli/environment" "get-environment" (ret: i32) -> ();
            cli::get_arguments = "wasi:cli/environment" "get-arguments" (ret: i32) -> ();
            cli::initial_cwd = "wasi:cli/environment" "initial-cwd" (ret: i32) -> ();
            cli::exit = "wasi:cli/exit" "exit" (status: i32) -> ();
            cli::exit_with_code = "wasi:cli/exit" "exit-with-code" (status_code: i32) -> ();
            cli::get_stdin = "wasi:cli/stdin" "get-stdin" () -> i32;
            cli::get_stdout = "wasi:cli/stdout" "get-stdout" () -> i32;
            cli::get_stderr = "wasi:cli/stderr" "get-stderr" () -> i32;
            cli::get_terminal_stdin = "wasi:cli/terminal-stdin" "get-terminal-stdin" (ret: i32) -> ();
            cli::get_terminal_stdout = "wasi:cli/terminal-stdout" "get-terminal-stdout" (ret: i32) -> ();
            cli::get_terminal_stderr = "wasi:cli/terminal-stderr" "get-terminal-stderr" (ret: i32) -> ();
            streams::error_to_debug_string = "wasi:io/error" "[method]error.to-debug-string" (this: i32, ret: i32) -> ();
            poll::pollable_ready = "wasi:io/poll" "[method]pollable.ready" (this: i32) -> i32;
            poll::pollable_block = "wasi:io/poll" "[method]pollable.block" (this: i32) -> ();
            poll::poll_list = "wasi:io/poll" "poll" (list: i32, len: i32, ret: i32) -> ();
            streams::input_stream_read = "wasi:io/streams" "[method]input-stream.read" (this: i32, len: i64, ret: i32) -> ();
            streams::input_stream_blocking_read = "wasi:io/streams" "[method]input-stream.blocking-read" (this: i32, len: i64, ret: i32) -> ();
            streams::input_stream_skip = "wasi:io/streams" "[method]input-stream.skip" (this: i32, len: i64, ret: i32) -> ();
            streams::input_stream_blocking_skip = "wasi:io/streams" "[method]input-stream.blocking-skip" (this: i32, len: i64, ret: i32) -> ();
            streams::input_stream_subscribe = "wasi:io/streams" "[method]input-stream.subscribe" (this: i32) -> i32;
            streams::output_stream_check_write = "wasi:io/streams" "[method]output-stream.check-write" (this: i32, ret: i32) -> ();
            streams::output_stream_write = "wasi:io/streams" "[method]output-stream.write" (this: i32, contents: i32, contents_len: i32, ret: i32) -> ();
            streams::output_stream_blocking_write_and_flush = "wasi:io/streams" "[method]output-stream.blocking-write-and-flush" (this: i32, contents: i32, contents_len: i32, ret: i32) -> ();
            streams::output_stream_flush = "wasi:io/streams" "[method]output-stream.flush" (this: i32, ret: i32) -> ();
            streams::output_stream_blocking_flush = "wasi:io/streams" "[method]output-stream.blocking-flush" (this: i32, ret: i32) -> ();
            streams::output_stream_subscribe = "wasi:io/streams" "[method]output-stream.subscribe" (this: i32) -> i32;
            streams::output_stream_write_zeroes = "wasi:io/streams" "[method]output-stream.write-zeroes" (this: i32, len: i64, ret: i32) -> ();
            streams::output_stream_blocking_write_zeroes_and_flush = "wasi:io/streams" "[method]output-stream.blocking-write-zeroes-and-flush" (this: i32, len: i64, ret: i32) -> ();
            streams::output_stream_splice = "wasi:io/streams" "[method]output-stream.splice" (this: i32, src: i32, len: i64, ret: i32) -> ();
            streams::output_stream_blocking_splice = "wasi:io/streams" "[method]output-stream.blocking-splice" (this: i32, src: i32, len: i64, ret: i32) -> ();
            clocks::monotonic_now = "wasi:clocks/monotonic-clock" "now" () -> i64;
            clocks::monotonic_resolution = "wasi:clocks/monotonic-clock" "resolution" () -> i64;
            clocks::monotonic_subscribe_instant = "wasi:clocks/monotonic-clock" "subscribe-instant" (when: i64) -> i32;
            clocks::monotonic_subscribe_duration = "wasi:clocks/monotonic-clock" "subscribe-duration" (when: i64) -> i32;
            clocks::wall_now = "wasi:clocks/wall-clock" "now" (ret: i32) -> ();
            clocks::wall_resolution = "wasi:clocks/wall-clock" "resolution" (ret: i32) -> ();
            random::get_random_bytes = "wasi:random/random" "get-random-bytes" (len: i64, ret: i32) -> ();
            random::get_random_u64 = "wasi:random/random" "get-random-u64" () -> i64;
            random::get_insecure_random_bytes = "wasi:random/insecure" "get-insecure-random-bytes" (len: i64, ret: i32) -> ();
            random::get_insecure_random_u64 = "wasi:random/insecure" "get-insecure-random-u64" () -> i64;
            random::insecure_seed = "wasi:random/insecure-seed" "insecure-seed" (ret: i32) -> ();
            filesystem::descriptor_read_via_stream = "wasi:filesystem/types" "[method]descriptor.read-via-stream" (this: i32, offset: i64, ret: i32) -> ();
            filesystem::descriptor_write_via_stream = "wasi:filesystem/types" "[method]descriptor.write-via-stream" (this: i32, offset: i64, ret: i32) -> ();
            filesystem::descriptor_append_via_stream = "wasi:filesystem/types" "[method]descriptor.append-via-stream" (this: i32, ret: i32) -> ();
            filesystem::descriptor_advise = "wasi:filesystem/types" "[method]descriptor.advise" (this: i32, offset: i64, len: i64, advice: i32, ret: i32) -> ();
            filesystem::descriptor_sync_data = "wasi:filesystem/types" "[method]descriptor.sync-data" (this: i32, ret: i32) -> ();
            filesystem::descriptor_get_flags = "wasi:filesystem/types" "[method]descriptor.get-flags" (this: i32, ret: i32) -> ();
            filesystem::descriptor_get_type = "wasi:filesystem/types" "[method]descriptor.get-type" (this: i32, ret: i32) -> ();
            filesystem::descriptor_set_size = "wasi:filesystem/types" "[method]descriptor.set-size" (this: i32, size: i64, ret: i32) -> ();
            filesystem::descriptor_set_times = "wasi:filesystem/types" "[method]descriptor.set-times" (this: i32, atim: i32, atim_seconds: i64, atim_nanoseconds: i32, mtim: i32, mtim_seconds: i64, mtim_nanoseconds: i32, ret: i32) -> ();
            filesystem::descriptor_read = "wasi:filesystem/types" "[method]descriptor.read" (this: i32, len: i64, offset: i64, ret: i32) -> ();
            filesystem::descriptor_write = "wasi:filesystem/types" "[method]descriptor.write" (this: i32, buffer: i32, buffer_len: i32, offset: i64, ret: i32) -> ();
            filesystem::descriptor_read_directory = "wasi:filesystem/types" "[method]descriptor.read-directory" (this: i32, ret: i32) -> ();
            filesystem::descriptor_sync = "wasi:filesystem/types" "[method]descriptor.sync" (this: i32, ret: i32) -> ();
            filesystem::descriptor_create_directory_at = "wasi:filesystem/types" "[method]descriptor.create-directory-at" (this: i32, path: i32, path_len: i32, ret: i32) -> ();
            filesystem::descriptor_stat = "wasi:filesystem/types" "[method]descriptor.stat" (this: i32, ret: i32) -> ();
            filesystem::descriptor_stat_at = "wasi:filesystem/types" "[method]descriptor.stat-at" (this: i32, flags: i32, path: i32, path_len: i32, ret: i32) -> ();
            filesystem::descriptor_set_times_at = "wasi:filesystem/types" "[method]descriptor.set-times-at" (this: i32, flags: i32, path: i32, path_len: i32, atim: i32, atim_seconds: i64, atim_nanoseconds: i32, mtim: i32, mtim_seconds: i64, mtim_nanoseconds: i32, ret: i32) -> ();
            filesystem::descriptor_link_at = "wasi:filesystem/types" "[method]descriptor.link-at" (this: i32, old_flags: i32, old_path: i32, old_path_len: i32, new_descriptor: i32, new_path: i32, new_path_len: i32, ret: i32) -> ();
            filesystem::descriptor_open_at = "wasi:filesystem/types" "[method]descriptor.open-at" (this: i32, flags: i32, path: i32, path_len: i32, open_flags: i32, descriptor_flags: i32, ret: i32) -> ();
            filesystem::descriptor_readlink_at = "wasi:filesystem/types" "[method]descriptor.readlink-at" (this: i32, path: i32, path_len: i32, ret: i32) -> ();
            filesystem::descriptor_remove_directory_at = "wasi:filesystem/types" "[method]descriptor.remove-directory-at" (this: i32, path: i32, path_len: i32, ret: i32) -> ();
            filesystem::descriptor_rename_at = "wasi:filesystem/types" "[method]descriptor.rename-at" (this: i32, old_path: i32, old_path_len: i32, new_descriptor: i32, new_path: i32, new_path_len: i32, ret: i32) -> ();
            filesystem::descriptor_symlink_at = "wasi:filesystem/types" "[method]descriptor.symlink-at" (this: i32, old_path: i32, old_path_len: i32, new_path: i32, new_path_len: i32, ret: i32) -> ();
            filesystem::descriptor_unlink_file_at = "wasi:filesystem/types" "[method]descriptor.unlink-file-at" (this: i32, path: i32, path_len: i32, ret: i32) -> ();
            filesystem::descriptor_is_same_object = "wasi:filesystem/types" "[method]descriptor.is-same-object" (this: i32, other: i32) -> i32;
            filesystem::descriptor_metadata_hash = "wasi:filesystem/types" "[method]descriptor.metadata-hash" (this: i32, ret: i32) -> ();
            filesystem::descriptor_metadata_hash_at = "wasi:filesystem/types" "[method]descriptor.metadata-hash-at" (this: i32, flags: i32, path: i32, path_len: i32, ret: i32) -> ();
            filesystem::directory_entry_stream_read_directory_entry = "wasi:filesystem/types" "[method]directory-entry-stream.read-directory-entry" (this: i32, ret: i32) -> ();
            filesystem::filesystem_error_code = "wasi:filesystem/types" "filesystem-error-code" (err: i32, ret: i32) -> ();
            filesystem::get_directories = "wasi:filesystem/preopens" "get-directories" (ret: i32) -> ();
            network::network_error_code = "wasi:sockets/network" "network-error-code" (err: i32, ret: i32) -> ();
            network::instance_network = "wasi:sockets/instance-network" "instance-network" () -> i32;
            lookup::resolve_addresses = "wasi:sockets/ip-name-lookup" "resolve-addresses" (network: i32, name: i32, name_len: i32, ret: i32) -> ();
            lookup::resolve_address_stream_resolve_next_address = "wasi:sockets/ip-name-lookup" "[method]resolve-address-stream.resolve-next-address" (this: i32, ret: i32) -> ();
            lookup::resolve_address_stream_subscribe = "wasi:sockets/ip-name-lookup" "[method]resolve-address-stream.subscribe" (this: i32) -> i32;
            tcp::create_tcp_socket = "wasi:sockets/tcp-create-socket" "create-tcp-socket" (address_family: i32, ret: i32) -> ();
            tcp::tcp_socket_start_bind = "wasi:sockets/tcp" "[method]tcp-socket.start-bind" (this: i32, network: i32, a0: i32, a1: i32, a2: i32, a3: i32, a4: i32, a5: i32, a6: i32, a7: i32, a8: i32, a9: i32, a10: i32, a11: i32, ret: i32) -> ();
            tcp::tcp_socket_finish_bind = "wasi:sockets/tcp" "[method]tcp-socket.finish-bind" (this: i32, ret: i32) -> ();
            tcp::tcp_socket_start_connect = "wasi:sockets/tcp" "[method]tcp-socket.start-connect" (this: i32, network: i32, a0: i32, a1: i32, a2: i32, a3: i32, a4: i32, a5: i32, a6: i32, a7: i32, a8: i32, a9: i32, a10: i32, a11: i32, ret: i32) -> ();
            tcp::tcp_socket_finish_connect = "wasi:sockets/tcp" "[method]tcp-socket.finish-connect" (this: i32, ret: i32) -> ();
            tcp::tcp_socket_start_listen = "wasi:sockets/tcp" "[method]tcp-socket.start-listen" (this: i32, ret: i32) -> ();
            tcp::tcp_socket_finish_listen = "wasi:sockets/tcp" "[method]tcp-socket.finish-listen" (this: i32, ret: i32) -> ();
            tcp::tcp_socket_accept = "wasi:sockets/tcp" "[method]tcp-socket.accept" (this: i32, ret: i32) -> ();
            tcp::tcp_socket_local_address = "wasi:sockets/tcp" "[method]tcp-socket.local-address" (this: i32, ret: i32) -> ();
            tcp::tcp_socket_remote_address = "wasi:sockets/tcp" "[method]tcp-socket.remote-address" (this: i32, ret: i32) -> ();
            tcp::tcp_socket_is_listening = "wasi:sockets/tcp" "[method]tcp-socket.is-listening" (this: i32) -> i32;
            tcp::tcp_socket_address_family = "wasi:sockets/tcp" "[method]tcp-socket.address-family" (this: i32) -> i32;
            tcp::tcp_socket_set_listen_backlog_size = "wasi:sockets/tcp" "[method]tcp-socket.set-listen-backlog-size" (this: i32, value: i64, ret: i32) -> ();
            tcp::tcp_socket_keep_alive_enabled = "wasi:sockets/tcp" "[method]tcp-socket.keep-alive-enabled" (this: i32, ret: i32) -> ();
            tcp::tcp_socket_set_keep_alive_enabled = "wasi:sockets/tcp" "[method]tcp-socket.set-keep-alive-enabled" (this: i32, value: i32, ret: i32) -> ();
            tcp::tcp_socket_keep_alive_idle_time = "wasi:sockets/tcp" "[method]tcp-socket.keep-alive-idle-time" (this: i32, ret: i32) -> ();
            tcp::tcp_socket_set_keep_alive_idle_time = "wasi:sockets/tcp" "[method]tcp-socket.set-keep-alive-idle-time" (this: i32, value: i64, ret: i32) -> ();
            tcp::tcp_socket_keep_alive_interval = "wasi:sockets/tcp" "[method]tcp-socket.keep-alive-interval" (this: i32, ret: i32) -> ();
            tcp::tcp_socket_set_keep_alive_interval = "wasi:sockets/tcp" "[method]tcp-socket.set-keep-alive-interval" (this: i32, value: i64, ret: i32) -> ();
            tcp::tcp_socket_keep_alive_count = "wasi:sockets/tcp" "[method]tcp-socket.keep-alive-count" (this: i32, ret: i32) -> ();
            tcp::tcp_socket_set_keep_alive_count = "wasi:sockets/tcp" "[method]tcp-socket.set-keep-alive-count" (this: i32, value: i32, ret: i32) -> ();
            tcp::tcp_socket_hop_limit = "wasi:sockets/tcp" "[method]tcp-socket.hop-limit" (this: i32, ret: i32) -> ();
            tcp::tcp_socket_set_hop_limit = "wasi:sockets/tcp" "[method]tcp-socket.set-hop-limit" (this: i32, value: i32, ret: i32) -> ();
            tcp::tcp_socket_receive_buffer_size = "wasi:sockets/tcp" "[method]tcp-socket.receive-buffer-size" (this: i32, ret: i32) -> ();
            tcp::tcp_socket_set_receive_buffer_size = "wasi:sockets/tcp" "[method]tcp-socket.set-receive-buffer-size" (this: i32, value: i64, ret: i32) -> ();
            tcp::tcp_socket_send_buffer_size = "wasi:sockets/tcp" "[method]tcp-socket.send-buffer-size" (this: i32, ret: i32) -> ();
            tcp::tcp_socket_set_send_buffer_size = "wasi:sockets/tcp" "[method]tcp-socket.set-send-buffer-size" (this: i32, value: i64, ret: i32) -> ();
            tcp::tcp_socket_subscribe = "wasi:sockets/tcp" "[method]tcp-socket.subscribe" (this: i32) -> i32;
            tcp::tcp_socket_shutdown = "wasi:sockets/tcp" "[method]tcp-socket.shutdown" (this: i32, shutdown_type: i32, ret: i32) -> ();
            udp::create_udp_socket = "wasi:sockets/udp-create-socket" "create-udp-socket" (address_family: i32, ret: i32) -> ();
            udp::udp_socket_start_bind = "wasi:sockets/udp" "[method]udp-socket.start-bind" (this: i32, network: i32, a0: i32, a1: i32, a2: i32, a3: i32, a4: i32, a5: i32, a6: i32, a7: i32, a8: i32, a9: i32, a10: i32, a11: i32, ret: i32) -> ();
            udp::udp_socket_finish_bind = "wasi:sockets/udp" "[method]udp-socket.finish-bind" (this: i32, ret: i32) -> ();
            udp::udp_socket_stream = "wasi:sockets/udp" "[method]udp-socket.stream" (this: i32, is_some: i32, a0: i32, a1: i32, a2: i32, a3: i32, a4: i32, a5: i32, a6: i32, a7: i32, a8: i32, a9: i32, a10: i32, a11: i32, ret: i32) -> ();
            udp::udp_socket_local_address = "wasi:sockets/udp" "[method]udp-socket.local-address" (this: i32, ret: i32) -> ();
            udp::udp_socket_remote_address = "wasi:sockets/udp" "[method]udp-socket.remote-address" (this: i32, ret: i32) -> ();
            udp::udp_socket_address_family = "wasi:sockets/udp" "[method]udp-socket.address-family" (this: i32) -> i32;
            udp::udp_socket_unicast_hop_limit = "wasi:sockets/udp" "[method]udp-socket.unicast-hop-limit" (this: i32, ret: i32) -> ();
            udp::udp_socket_set_unicast_hop_limit = "wasi:sockets/udp" "[method]udp-socket.set-unicast-hop-limit" (this: i32, value: i32, ret: i32) -> ();
            udp::udp_socket_receive_buffer_size = "wasi:sockets/udp" "[method]udp-socket.receive-buffer-size" (this: i32, ret: i32) -> ();
            udp::udp_socket_set_receive_buffer_size = "wasi:sockets/udp" "[method]udp-socket.set-receive-buffer-size" (this: i32, value: i64, ret: i32) -> ();
            udp::udp_socket_send_buffer_size = "wasi:sockets/udp" "[method]udp-socket.send-buffer-size" (this: i32, ret: i32) -> ();
            udp::udp_socket_set_send_buffer_size = "wasi:sockets/udp" "[method]udp-socket.set-send-buffer-size" (this: i32, value: i64, ret: i32) -> ();
            udp::udp_socket_subscribe = "wasi:sockets/udp" "[method]udp-socket.subscribe" (this: i32) -> i32;
            udp::incoming_datagram_stream_receive = "wasi:sockets/udp" "[method]incoming-datagram-stream.receive" (this: i32, max_results: i64, ret: i32) -> ();
            udp::incoming_datagram_stream_subscribe = "wasi:sockets/udp" "[method]incoming-datagram-stream.subscribe" (this: i32) -> i32;
            udp::outgoing_datagram_stream_check_send = "wasi:sockets/udp" "[method]outgoing-datagram-stream.check-send" (this: i32, ret: i32) -> ();
            udp::outgoing_datagram_stream_send = "wasi:sockets/udp" "[method]outgoing-datagram-stream.send" (this: i32, datagrams: i32, datagrams_len: i32, ret: i32) -> ();
            udp::outgoing_datagram_stream_subscribe = "wasi:sockets/udp" "[method]outgoing-datagram-stream.subscribe" (this: i32) -> i32;
            http::fields_new = "wasi:http/types" "[constructor]fields" () -> i32;
            http::fields_from_list = "wasi:http/types" "[static]fields.from-list" (entries: i32, entries_len: i32, ret: i32) -> ();
            http::fields_get = "wasi:http/types" "[method]fields.get" (this: i32, name: i32, name_len: i32, ret: i32) -> ();
            http::fields_has = "wasi:http/types" "[method]fields.has" (this: i32, name: i32, name_len: i32) -> i32;
            http::fields_set = "wasi:http/types" "[method]fields.set" (this: i32, name: i32, name_len: i32, values: i32, values_len: i32, ret: i32) -> ();
            http::fields_delete = "wasi:http/types" "[method]fields.delete" (this: i32, name: i32, name_len: i32, ret: i32) -> ();
            http::fields_append = "wasi:http/types" "[method]fields.append" (this: i32, name: i32, name_len: i32, value: i32, value_len: i32, ret: i32) -> ();
            http::fields_entries = "wasi:http/types" "[method]fields.entries" (this: i32, ret: i32) -> ();
            http::fields_clone = "wasi:http/types" "[method]fields.clone" (this: i32) -> i32;
            http::incoming_request_method = "wasi:http/types" "[method]incoming-request.method" (this: i32, ret: i32) -> ();
            http::incoming_request_path_with_query = "wasi:http/types" "[method]incoming-request.path-with-query" (this: i32, ret: i32) -> ();
            http::incoming_request_scheme = "wasi:http/types" "[method]incoming-request.scheme" (this: i32, ret: i32) -> ();
            http::incoming_request_authority = "wasi:http/types" "[method]incoming-request.authority" (this: i32, ret: i32) -> ();
            http::incoming_request_headers = "wasi:http/types" "[method]incoming-request.headers" (this: i32) -> i32;
            http::incoming_request_consume = "wasi:http/types" "[method]incoming-request.consume" (this: i32, ret: i32) -> ();
            http::outgoing_request_new = "wasi:http/types" "[constructor]outgoing-request" (headers: i32) -> i32;
            http::outgoing_request_body = "wasi:http/types" "[method]outgoing-request.body" (this: i32, ret: i32) -> ();
            http::outgoing_request_method = "wasi:http/types" "[method]outgoing-request.method" (this: i32, ret: i32) -> ();
            http::outgoing_request_set_method = "wasi:http/types" "[method]outgoing-request.set-method" (this: i32, case: i32, ptr: i32, len: i32) -> i32;
            http::outgoing_request_path_with_query = "wasi:http/types" "[method]outgoing-request.path-with-query" (this: i32, ret: i32) -> ();
            http::outgoing_request_set_path_with_query = "wasi:http/types" "[method]outgoing-request.set-path-with-query" (this: i32, is_some: i32, ptr: i32, len: i32) -> i32;
            http::outgoing_request_scheme = "wasi:http/types" "[method]outgoing-request.scheme" (this: i32, ret: i32) -> ();
            http::outgoing_request_set_scheme = "wasi:http/types" "[method]outgoing-request.set-scheme" (this: i32, is_some: i32, case: i32, ptr: i32, len: i32) -> i32;
            http::outgoing_request_authority = "wasi:http/types" "[method]outgoing-request.authority" (this: i32, ret: i32) -> ();
            http::outgoing_request_set_authority = "wasi:http/types" "[method]outgoing-request.set-authority" (this: i32, is_some: i32, ptr: i32, len: i32) -> i32;
            http::outgoing_request_headers = "wasi:http/types" "[method]outgoing-request.headers" (this: i32) -> i32;
            http::request_options_new = "wasi:http/types" "[constructor]request-options" () -> i32;
            http::request_options_connect_timeout = "wasi:http/types" "[method]request-options.connect-timeout" (this: i32, ret: i32) -> ();
            http::request_options_set_connect_timeout = "wasi:http/types" "[method]request-options.set-connect-timeout" (this: i32, is_some: i32, value: i64) -> i32;
            http::request_options_first_byte_timeout = "wasi:http/types" "[method]request-options.first-byte-timeout" (this: i32, ret: i32) -> ();
            http::request_options_set_first_byte_timeout = "wasi:http/types" "[method]request-options.set-first-byte-timeout" (this: i32, is_some: i32, value: i64) -> i32;
            http::request_options_between_bytes_timeout = "wasi:http/types" "[method]request-options.between-bytes-timeout" (this: i32, ret: i32) -> ();
            http::request_options_set_between_bytes_timeout = "wasi:http/types" "[method]request-options.set-between-bytes-timeout" (this: i32, is_some: i32, value: i64) -> i32;
            http::response_outparam_set = "wasi:http/types" "[static]response-outparam.set" (param: i32, is_err: i32, response_or_case: i32, p3: i32, p4: i64, p5: i32, p6: i32, p7: i32, p8: i32) -> ();
            http::incoming_response_status = "wasi:http/types" "[method]incoming-response.status" (this: i32) -> i32;
            http::incoming_response_headers = "wasi:http/types" "[method]incoming-response.headers" (this: i32) -> i32;
            http::incoming_response_consume = "wasi:http/types" "[method]incoming-response.consume" (this: i32, ret: i32) -> ();
            http::incoming_body_stream = "wasi:http/types" "[method]incoming-body.stream" (this: i32, ret: i32) -> ();
            http::incoming_body_finish = "wasi:http/types" "[static]incoming-body.finish" (this: i32) -> i32;
            http::future_trailers_subscribe = "wasi:http/types" "[method]future-trailers.subscribe" (this: i32) -> i32;
            http::future_trailers_get = "wasi:http/types" "[method]future-trailers.get" (this: i32, ret: i32) -> ();
            http::outgoing_response_new = "wasi:http/types" "[constructor]outgoing-response" (headers: i32) -> i32;
            http::outgoing_response_status_code = "wasi:http/types" "[method]outgoing-response.status-code" (this: i32) -> i32;
            http::outgoing_response_set_status_code = "wasi:http/types" "[method]outgoing-response.set-status-code" (this: i32, status: i32) -> i32;
            http::outgoing_response_headers = "wasi:http/types" "[method]outgoing-response.headers" (this: i32) -> i32;
            http::outgoing_response_body = "wasi:http/types" "[method]outgoing-response.body" (this: i32, ret: i32) -> ();
            http::outgoing_body_write = "wasi:http/types" "[method]outgoing-body.write" (this: i32, ret: i32) -> ();
            http::outgoing_body_finish = "wasi:http/types" "[static]outgoing-body.finish" (this: i32, has_trailers: i32, trailers: i32, ret: i32) -> ();
            http::future_incoming_response_subscribe = "wasi:http/types" "[method]future-incoming-response.subscribe" (this: i32) -> i32;
            http::future_incoming_response_get = "wasi:http/types" "[method]future-incoming-response.get" (this: i32, ret: i32) -> ();
            http::http_error_code = "wasi:http/types" "http-error-code" (err: i32, ret: i32) -> ();
            http::outgoing_handler_handle = "wasi:http/outgoing-handler" "handle" (request: i32, has_options: i32, options: i32, ret: i32) -> ();
        }
    };
}

/// Invokes `$mac!` with every WASI 0.2 resource type the host implements, written as
/// `Variant = "interface" "name";`, in a fixed order: a resource type's index in this list is
/// how the program metadata names it.
#[macro_export]
macro_rules! for_each_wasi_p2_resource {
    ($mac:ident) => {
        $mac! {
            IoError = "wasi:io/error" "error";
            Pollable = "wasi:io/poll" "pollable";
            InputStream = "wasi:io/streams" "input-stream";
            OutputStream = "wasi:io/streams" "output-stream";
            Descriptor = "wasi:filesystem/types" "descriptor";
            DirectoryEntryStream = "wasi:filesystem/types" "directory-entry-stream";
            TerminalInput = "wasi:cli/terminal-input" "terminal-input";
            TerminalOutput = "wasi:cli/terminal-output" "terminal-output";
            Network = "wasi:sockets/network" "network";
            ResolveAddressStream = "wasi:sockets/ip-name-lookup" "resolve-address-stream";
            TcpSocket = "wasi:sockets/tcp" "tcp-socket";
            UdpSocket = "wasi:sockets/udp" "udp-socket";
            IncomingDatagramStream = "wasi:sockets/udp" "incoming-datagram-stream";
            OutgoingDatagramStream = "wasi:sockets/udp" "outgoing-datagram-stream";
            Fields = "wasi:http/types" "fields";
            IncomingRequest = "wasi:http/types" "incoming-request";
            OutgoingRequest = "wasi:http/types" "outgoing-request";
            RequestOptions = "wasi:http/types" "request-options";
            ResponseOutparam = "wasi:http/types" "response-outparam";
            IncomingResponse = "wasi:http/types" "incoming-response";
            IncomingBody = "wasi:http/types" "incoming-body";
            FutureTrailers = "wasi:http/types" "future-trailers";
            OutgoingResponse = "wasi:http/types" "outgoing-response";
            OutgoingBody = "wasi:http/types" "outgoing-body";
            FutureIncomingResponse = "wasi:http/types" "future-incoming-response";
        }
    };
}

/// One host function.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WasiP2Function {
    /// The WIT interface, without a version (`wasi:cli/stdout`).
    pub interface: &'static str,
    /// The component-level name (`get-stdout`, `[method]output-stream.write`).
    pub name: &'static str,
    /// The host module and function (`cli::get_stdout`), for the symbol.
    pub host: &'static str,
    /// Core parameter types of the lowering.
    pub params: &'static [ValType],
    /// The core result, if the lowering has one.
    pub result: Option<ValType>,
}

/// One host resource type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WasiP2Resource {
    /// The WIT interface, without a version.
    pub interface: &'static str,
    /// The resource's name in the interface.
    pub name: &'static str,
}

macro_rules! p2_val_type {
    (i32) => {
        ValType::I32
    };
    (i64) => {
        ValType::I64
    };
    (f32) => {
        ValType::F32
    };
    (f64) => {
        ValType::F64
    };
}

macro_rules! p2_result {
    (()) => {
        None
    };
    ($ty:ident) => {
        Some(p2_val_type!($ty))
    };
}

macro_rules! p2_function_table {
    ($($module:ident::$func:ident = $iface:literal $name:literal ($($param:ident: $ty:ident),*) -> $result:tt;)*) => {
        /// Every WASI 0.2 function the host implements, in [`for_each_wasi_p2_function`] order.
        pub const WASI_P2_FUNCTIONS: &[WasiP2Function] = &[
            $(WasiP2Function {
                interface: $iface,
                name: $name,
                host: concat!(stringify!($module), "::", stringify!($func)),
                params: &[$(p2_val_type!($ty)),*],
                result: p2_result!($result),
            },)*
        ];
    };
}

macro_rules! p2_resource_table {
    ($($variant:ident = $iface:literal $name:literal;)*) => {
        /// Every WASI 0.2 resource type the host implements, in [`for_each_wasi_p2_resource`]
        /// order.
        pub const WASI_P2_RESOURCES: &[WasiP2Resource] = &[
            $(WasiP2Resource { interface: $iface, name: $name },)*
        ];
    };
}

for_each_wasi_p2_function!(p2_function_table);
for_each_wasi_p2_resource!(p2_resource_table);

/// The package version every `0.2.x` import binds to, and the one the host's WIT has.
pub const VERSION: &str = "0.2.12";

/// Splits an import name `wasi:cli/stdout@0.2.3` into the interface and its version.
pub fn split_version(name: &str) -> (&str, Option<&str>) {
    match name.rsplit_once('@') {
        Some((interface, version)) => (interface, Some(version)),
        None => (name, None),
    }
}

/// Whether a version binds to this host: any `0.2.x`, as semver-compatible matching gives
/// for a `0.x` package (the minor version is the compatibility boundary).
pub fn version_matches(version: &str) -> bool {
    let mut parts = version.split('.');
    let (Some(major), Some(minor), Some(patch)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    let patch = patch.split(['-', '+']).next().unwrap_or("");
    major == "0" && minor == "2" && patch.parse::<u32>().is_ok() && parts.next().is_none()
}

/// The index of function `name` of `interface` (without a version), if the host has it.
pub fn lookup_function(interface: &str, name: &str) -> Option<u32> {
    WASI_P2_FUNCTIONS
        .iter()
        .position(|f| f.interface == interface && f.name == name)
        .map(|i| i as u32)
}

/// The index of resource type `name` of `interface` (without a version), if the host has it.
pub fn lookup_resource(interface: &str, name: &str) -> Option<u32> {
    WASI_P2_RESOURCES
        .iter()
        .position(|r| r.interface == interface && r.name == name)
        .map(|i| i as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        assert_eq!(
            split_version("wasi:cli/stdout@0.2.3"),
            ("wasi:cli/stdout", Some("0.2.3"))
        );
        assert_eq!(split_version("wasi:cli/stdout"), ("wasi:cli/stdout", None));
        for ok in ["0.2.0", "0.2.12", "0.2.40", "0.2.0-rc-2023-11-10"] {
            assert!(version_matches(ok), "{ok}");
        }
        for bad in ["0.3.0", "1.2.0", "0.2", "0.2.x", "0.1.9", "0.2.0.1"] {
            assert!(!version_matches(bad), "{bad}");
        }
    }

    #[test]
    fn lookups() {
        let f = lookup_function("wasi:cli/stdout", "get-stdout").unwrap();
        assert_eq!(WASI_P2_FUNCTIONS[f as usize].host, "cli::get_stdout");
        assert_eq!(WASI_P2_FUNCTIONS[f as usize].result, Some(ValType::I32));
        assert!(lookup_function("wasi:cli/stdout", "get-stdin").is_none());
        let r = lookup_resource("wasi:io/streams", "output-stream").unwrap();
        assert_eq!(WASI_P2_RESOURCES[r as usize].name, "output-stream");
    }
}
