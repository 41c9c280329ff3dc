package ai.cocos.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.cocos.crypto.Certificates;
import ai.cocos.crypto.KeyType;
import ai.cocos.crypto.PemKeys;
import ai.cocos.proto.computations.v1.ListResponse;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How the manager is reached: {@code MANAGER_GRPC_URL} and {@code --manager}, the deadline, and TLS
 * and mutual TLS with certificates made by {@link Certificates}, each failure in words.
 */
class ManagerConnectionTest {
  static final String NL = System.lineSeparator();
  static final List<String> LIST = List.of("computations", "list");

  @TempDir static Path dir;

  static KeyPair caKeys;
  static X509Certificate ca;
  static KeyPair serverKeys;
  static X509Certificate serverCert;
  static Path caFile;
  static Path otherCaFile;
  static Path clientCertFile;
  static Path clientKeyFile;
  static Path otherKeyFile;

  @BeforeAll
  static void certificates() throws Exception {
    caKeys = PemKeys.generate(KeyType.ECDSA);
    ca = Certificates.selfSignedCa("Test CA", caKeys, Duration.ofDays(1));
    serverKeys = PemKeys.generate(KeyType.ECDSA);
    serverCert =
        Certificates.issue(
            ca,
            caKeys.getPrivate(),
            "manager",
            serverKeys.getPublic(),
            List.of("localhost"),
            List.of(InetAddress.getByName("127.0.0.1")),
            Duration.ofDays(1));
    KeyPair clientKeys = PemKeys.generate(KeyType.ECDSA);
    X509Certificate clientCert =
        Certificates.issue(
            ca,
            caKeys.getPrivate(),
            "client",
            clientKeys.getPublic(),
            List.of(),
            List.of(),
            Duration.ofDays(1));
    KeyPair otherCaKeys = PemKeys.generate(KeyType.ECDSA);
    caFile = Files.writeString(dir.resolve("ca.pem"), Certificates.toPem(ca));
    otherCaFile =
        Files.writeString(
            dir.resolve("other-ca.pem"),
            Certificates.toPem(
                Certificates.selfSignedCa("Other", otherCaKeys, Duration.ofDays(1))));
    clientCertFile = Files.writeString(dir.resolve("client.pem"), Certificates.toPem(clientCert));
    clientKeyFile =
        Files.writeString(dir.resolve("client-key.pem"), PemKeys.toPem(clientKeys.getPrivate()));
    otherKeyFile =
        Files.writeString(dir.resolve("other-key.pem"), PemKeys.toPem(otherCaKeys.getPrivate()));
  }

  static SslContext serverTls(boolean requireClientCert) throws IOException {
    SslContextBuilder b =
        GrpcSslContexts.configure(
            SslContextBuilder.forServer(serverKeys.getPrivate(), serverCert), SslProvider.JDK);
    if (requireClientCert) {
      b.trustManager(ca).clientAuth(ClientAuth.REQUIRE);
    }
    return b.build();
  }

  static FakeManager listing(SslContext tls) throws IOException {
    FakeManager m = FakeManager.start(tls, true);
    m.onList = FakeManager.reply(ListResponse.getDefaultInstance());
    return m;
  }

  static Map<String, String> env(FakeManager m, String... pairs) {
    Map<String, String> env = new HashMap<>(m.env());
    for (int i = 0; i < pairs.length; i += 2) {
      env.put(pairs[i], pairs[i + 1]);
    }
    return env;
  }

  static Run list(Map<String, String> env, String... more) {
    String[] args = new String[LIST.size() + more.length];
    for (int i = 0; i < LIST.size(); i++) {
      args[i] = LIST.get(i);
    }
    System.arraycopy(more, 0, args, LIST.size(), more.length);
    return Run.with(env, args);
  }

  static int closedPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  // ------------------------------------------------------------------------- address, deadline

  @Test
  void nothingListeningSaysWhatToCheck() throws Exception {
    int port = closedPort();

    Run fromEnv = list(Map.of("MANAGER_GRPC_URL", "127.0.0.1:" + port));
    Run fromOption = list(Map.of(), "--manager", "127.0.0.1:" + port);

    assertEquals(1, fromEnv.exitCode(), fromEnv::toString);
    assertEquals(
        "cannot reach the manager at 127.0.0.1:"
            + port
            + ": connection refused; is bin/cocos-manager running? (give its address with"
            + " MANAGER_GRPC_URL)"
            + NL,
        fromEnv.err());
    assertEquals(
        "cannot reach the manager at 127.0.0.1:"
            + port
            + ": connection refused; is bin/cocos-manager running? (give its address with"
            + " MANAGER_GRPC_URL or --manager)"
            + NL,
        fromOption.err());
  }

  @Test
  void managerOptionOverridesTheVariableAndVerboseSaysWhereAndHow() throws Exception {
    try (FakeManager m = listing(null)) {
      Run run =
          list(
              Map.of("MANAGER_GRPC_URL", "127.0.0.1:" + closedPort()),
              "--manager",
              m.address(),
              "--verbose");

      assertEquals(0, run.exitCode(), run::toString);
      assertEquals(1, m.lists.size());
      assertEquals(
          "manager at "
              + m.address()
              + " (from --manager) without TLS (plaintext; set MANAGER_GRPC_SERVER_CA_CERTS for"
              + " TLS), deadline 60s (default)"
              + NL,
          run.err());
    }
  }

  @Test
  void unansweredCallEndsAtTheDeadline() throws Exception {
    try (FakeManager m = FakeManager.start()) {
      m.onList = (request, response) -> {}; // never answers
      long start = System.nanoTime();

      Run run = list(env(m, "MANAGER_GRPC_TIMEOUT", "300ms"));

      assertEquals(1, run.exitCode(), run::toString);
      assertEquals(
          "no answer from the manager at "
              + m.address()
              + " within 300ms (MANAGER_GRPC_TIMEOUT)"
              + NL,
          run.err());
      assertTrue(System.nanoTime() - start < 5_000_000_000L, "took too long");
    }
  }

  @Test
  void badVariablesAreNamed() {
    Run timeout = list(Map.of("MANAGER_GRPC_TIMEOUT", "soon"));
    Run url = list(Map.of("MANAGER_GRPC_URL", "localhost"));
    Run halfMtls = list(Map.of("MANAGER_GRPC_CLIENT_CERT", clientCertFile.toString()));
    Run missingCa = list(Map.of("MANAGER_GRPC_SERVER_CA_CERTS", dir.resolve("no.pem").toString()));

    assertEquals(1, timeout.exitCode(), timeout::toString);
    assertEquals(
        "MANAGER_GRPC_TIMEOUT: 'soon' is not a duration: a number is missing before 'soon' (use"
            + " ns, us, ms, s, m or h, for example 1h30m)"
            + NL,
        timeout.err());
    assertEquals(1, url.exitCode(), url::toString);
    assertEquals(
        "MANAGER_GRPC_URL: invalid address 'localhost': expected HOST:PORT, for example"
            + " localhost:7002"
            + NL,
        url.err());
    assertEquals(1, halfMtls.exitCode(), halfMtls::toString);
    assertEquals(
        "MANAGER_GRPC_CLIENT_CERT is set but MANAGER_GRPC_CLIENT_KEY is not: mutual TLS needs"
            + " the client certificate and its private key"
            + NL,
        halfMtls.err());
    assertEquals(1, missingCa.exitCode(), missingCa::toString);
    assertEquals(
        "MANAGER_GRPC_SERVER_CA_CERTS=" + dir.resolve("no.pem") + ": no such file" + NL,
        missingCa.err());
  }

  @Test
  void serverWithoutTheComputationServiceIsNotACocosManager() throws Exception {
    try (FakeManager m = FakeManager.start(null, false)) {
      Run run = list(m.env());

      assertEquals(1, run.exitCode(), run::toString);
      assertEquals(
          "the manager at "
              + m.address()
              + " does not offer this call (Method not found:"
              + " cocos.computations.v1.Computations/List): is it a Cocos manager of this"
              + " version, at the right address?"
              + NL,
          run.err());
    }
  }

  // ------------------------------------------------------------------------------------- TLS

  @Test
  void tlsWithTheCaFromTheVariable() throws Exception {
    try (FakeManager m = listing(serverTls(false))) {
      Run run = list(env(m, "MANAGER_GRPC_SERVER_CA_CERTS", caFile.toString()), "-v");

      assertEquals(0, run.exitCode(), run::toString);
      assertEquals(1, m.lists.size());
      assertTrue(
          run.err()
              .startsWith(
                  "manager at "
                      + m.address()
                      + " (from MANAGER_GRPC_URL) with TLS (trusting the CA certificates in "
                      + caFile
                      + ")"),
          run::toString);
    }
  }

  @Test
  void tlsServerNotTrustedSaysWhichCaToSet() throws Exception {
    try (FakeManager m = listing(serverTls(false))) {
      Run plaintext = list(m.env());
      Run otherCa = list(env(m, "MANAGER_GRPC_SERVER_CA_CERTS", otherCaFile.toString()));

      assertEquals(1, plaintext.exitCode(), plaintext::toString);
      assertTrue(
          plaintext.err().startsWith("cannot talk to the manager at " + m.address() + ": "),
          plaintext::toString);
      assertTrue(
          plaintext
              .err()
              .endsWith(
                  "; if it serves TLS, set MANAGER_GRPC_SERVER_CA_CERTS to the CA certificate"
                      + " that signed its certificate"
                      + NL),
          plaintext::toString);
      assertEquals(1, otherCa.exitCode(), otherCa::toString);
      assertTrue(
          otherCa
              .err()
              .startsWith(
                  "TLS with the manager at "
                      + m.address()
                      + " failed: its certificate is not signed by a CA in"
                      + " MANAGER_GRPC_SERVER_CA_CERTS="
                      + otherCaFile
                      + " (unable to find valid certification path to requested target)"),
          otherCa::toString);
      assertEquals(0, m.lists.size());
    }
  }

  @Test
  void tlsClientAgainstAPlaintextServerSaysSo() throws Exception {
    try (FakeManager m = listing(null)) {
      Run run = list(env(m, "MANAGER_GRPC_SERVER_CA_CERTS", caFile.toString()));

      assertEquals(1, run.exitCode(), run::toString);
      assertEquals(
          "cannot talk TLS to the manager at "
              + m.address()
              + ": it answers in plaintext; unset MANAGER_GRPC_SERVER_CA_CERTS,"
              + " MANAGER_GRPC_CLIENT_CERT and MANAGER_GRPC_CLIENT_KEY, or enable TLS on the"
              + " manager"
              + NL,
          run.err());
    }
  }

  @Test
  void mutualTlsWithTheClientCertificate() throws Exception {
    try (FakeManager m = listing(serverTls(true))) {
      Run run =
          list(
              env(
                  m,
                  "MANAGER_GRPC_SERVER_CA_CERTS",
                  caFile.toString(),
                  "MANAGER_GRPC_CLIENT_CERT",
                  clientCertFile.toString(),
                  "MANAGER_GRPC_CLIENT_KEY",
                  clientKeyFile.toString()),
              "--verbose");

      assertEquals(0, run.exitCode(), run::toString);
      assertEquals(1, m.lists.size());
      assertTrue(
          run.err().contains(") with mTLS (trusting the CA certificates in " + caFile),
          run::toString);
      assertTrue(run.err().contains(", client certificate " + clientCertFile + ")"), run::toString);
    }
  }

  @Test
  void mutualTlsServerWithoutAClientCertificateSaysWhatToSet() throws Exception {
    try (FakeManager m = listing(serverTls(true))) {
      Run run = list(env(m, "MANAGER_GRPC_SERVER_CA_CERTS", caFile.toString()));

      assertEquals(1, run.exitCode(), run::toString);
      assertTrue(
          run.err()
              .startsWith(
                  "TLS with the manager at "
                      + m.address()
                      + " failed: the manager requires a client certificate; set"
                      + " MANAGER_GRPC_CLIENT_CERT and MANAGER_GRPC_CLIENT_KEY"),
          run::toString);
      assertEquals(0, m.lists.size());
    }
  }

  @Test
  void clientKeyOfAnotherCertificateIsRefusedBeforeConnecting() throws Exception {
    Run run =
        list(
            Map.of(
                "MANAGER_GRPC_URL",
                "127.0.0.1:" + closedPort(),
                "MANAGER_GRPC_SERVER_CA_CERTS",
                caFile.toString(),
                "MANAGER_GRPC_CLIENT_CERT",
                clientCertFile.toString(),
                "MANAGER_GRPC_CLIENT_KEY",
                otherKeyFile.toString()));

    assertEquals(1, run.exitCode(), run::toString);
    assertEquals(
        "MANAGER_GRPC_CLIENT_KEY="
            + otherKeyFile
            + ": not the private key of the certificate in MANAGER_GRPC_CLIENT_CERT="
            + clientCertFile
            + NL,
        run.err());
  }
}
