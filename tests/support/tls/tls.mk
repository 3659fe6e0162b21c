# The test CA and the certificate of the harness's HTTPS test server (tests/support/
# http_server.rs), checked in: `make test-certs` makes new ones with openssl. The server's
# certificate names `localhost` only (no IP address), so that a request to 127.0.0.1 tests
# a name mismatch; both last 100 years. The CA's key is not kept.

TLS_DIR := tests/support/tls

.PHONY: test-certs
## test-certs: a new test CA and HTTPS test server certificate (tests/support/tls)
test-certs:
	@tmp=$$(mktemp -d) && \
	openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout $$tmp/ca.key -out $(TLS_DIR)/ca.pem -days 36500 \
	    -subj "/CN=wasi-aot test CA" \
	    -addext "basicConstraints=critical,CA:TRUE" \
	    -addext "keyUsage=critical,keyCertSign,cRLSign" && \
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout $(TLS_DIR)/server.key -out $$tmp/server.csr -subj "/CN=localhost" && \
	printf 'subjectAltName=DNS:localhost\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n' > $$tmp/ext && \
	openssl x509 -req -in $$tmp/server.csr -CA $(TLS_DIR)/ca.pem -CAkey $$tmp/ca.key \
	    -CAcreateserial -CAserial $$tmp/ca.srl -days 36500 -extfile $$tmp/ext -out $(TLS_DIR)/server.pem && \
	rm -rf $$tmp
