package ai.cocos.transport.grpc.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Real X.509 certificates for the TLS tests, made with the JDK's {@code keytool}: a CA, and leaf
 * certificates it issues for 127.0.0.1 / localhost (ECDSA P-256), written as the PEM files an
 * endpoint is configured with.
 *
 * <p>Why keytool: this module's test class path holds only the API and gRPC ({@code cocos-crypto},
 * which has {@code Certificates}, is not a dependency of the transport), and the JDK has no public
 * API to issue certificates. The agent's tests use {@code ai.cocos.crypto.Certificates}.
 */
final class TestCertificates {
  private static final String PASS = "changeit";

  /** A CA: its certificate (PEM file) and the keystore holding its key. */
  record Ca(String alias, Path certFile, Path store) {}

  /** A leaf: chain file (leaf, then CA), key file (PKCS#8 PEM), leaf-only certificate file. */
  record Leaf(Path chainFile, Path keyFile, Path certFile) {}

  private final Path dir;

  TestCertificates(Path dir) {
    this.dir = dir;
  }

  /** A self-signed CA. */
  Ca ca(String alias) throws Exception {
    Path store = dir.resolve(alias + ".p12");
    keytool(
        "-genkeypair",
        "-alias",
        alias,
        "-keyalg",
        "EC",
        "-groupname",
        "secp256r1",
        "-dname",
        "CN=" + alias,
        "-ext",
        "bc:c",
        "-validity",
        "2",
        "-keystore",
        store.toString(),
        "-storetype",
        "PKCS12",
        "-storepass",
        PASS);
    Path pem = dir.resolve(alias + ".pem");
    keytool(
        "-exportcert",
        "-rfc",
        "-alias",
        alias,
        "-keystore",
        store.toString(),
        "-storepass",
        PASS,
        "-file",
        pem.toString());
    return new Ca(alias, pem, store);
  }

  /** A leaf certificate issued by a CA for 127.0.0.1 and localhost, server and client use. */
  Leaf issue(Ca ca, String alias) throws Exception {
    Path store = dir.resolve(alias + ".p12");
    keytool(
        "-genkeypair",
        "-alias",
        alias,
        "-keyalg",
        "EC",
        "-groupname",
        "secp256r1",
        "-dname",
        "CN=" + alias,
        "-validity",
        "2",
        "-keystore",
        store.toString(),
        "-storetype",
        "PKCS12",
        "-storepass",
        PASS);
    Path csr = dir.resolve(alias + ".csr");
    keytool(
        "-certreq",
        "-alias",
        alias,
        "-keystore",
        store.toString(),
        "-storepass",
        PASS,
        "-file",
        csr.toString());
    Path cert = dir.resolve(alias + ".crt.pem");
    keytool(
        "-gencert",
        "-alias",
        ca.alias(),
        "-keystore",
        ca.store().toString(),
        "-storepass",
        PASS,
        "-infile",
        csr.toString(),
        "-outfile",
        cert.toString(),
        "-rfc",
        "-ext",
        "san=ip:127.0.0.1,dns:localhost",
        "-ext",
        "eku=serverAuth,clientAuth",
        "-validity",
        "2");
    Path chain = dir.resolve(alias + ".chain.pem");
    Files.writeString(
        chain,
        Files.readString(cert, StandardCharsets.US_ASCII)
            + Files.readString(ca.certFile(), StandardCharsets.US_ASCII));
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(store)) {
      ks.load(in, PASS.toCharArray());
    }
    PrivateKey key = (PrivateKey) ks.getKey(alias, PASS.toCharArray());
    Path keyFile = dir.resolve(alias + ".key.pem");
    Files.writeString(keyFile, pem("PRIVATE KEY", key.getEncoded()));
    return new Leaf(chain, keyFile, cert);
  }

  static String pem(String label, byte[] der) {
    String b64 =
        Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
    return "-----BEGIN " + label + "-----\n" + b64 + "\n-----END " + label + "-----\n";
  }

  private static void keytool(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    cmd.add("-J-Xshare:auto");
    cmd.add("-noprompt");
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException("keytool " + String.join(" ", args) + " failed:\n" + out);
    }
  }
}
