package ai.cocos.transport.grpc.internal;

import static ai.cocos.transport.grpc.internal.TestSupport.LOOPBACK;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.cocos.transport.grpc.ServerKeyManagers;
import ai.cocos.transport.grpc.internal.TestCertificates.Ca;
import ai.cocos.transport.grpc.internal.TestCertificates.Leaf;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.io.ByteArrayInputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import org.apache.felix.framework.FrameworkFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceRegistration;
import org.osgi.framework.launch.Framework;

/**
 * An endpoint whose certificate a key manager picks per connection (how the agent serves attested
 * TLS): the key manager sees each connection's SNI during the handshake, the endpoint speaks TLS
 * 1.3 only, client certificates are still required with a client CA, and in a real framework the
 * key manager is a service the endpoint follows: gone, and handshakes fail.
 */
class GrpcEndpointKeyManagerTest {
  @TempDir static Path dir;

  private static Ca ca;
  private static Leaf server;
  private static Leaf client;

  private GrpcEndpoint endpoint;
  private GrpcTransport transport;
  private Framework framework;
  private ManagedChannel channel;

  @BeforeAll
  static void certificates() throws Exception {
    TestCertificates certs = new TestCertificates(dir);
    ca = certs.ca("km-ca");
    server = certs.issue(ca, "km-server");
    client = certs.issue(ca, "km-client");
  }

  @AfterEach
  void close() throws Exception {
    System.clearProperty("cocos.grpc.tls.provider");
    if (channel != null) {
      TestSupport.shutdown(channel);
    }
    if (endpoint != null) {
      endpoint.close();
    }
    if (transport != null) {
      transport.deactivate();
    }
    if (framework != null) {
      framework.stop();
      framework.waitForStop(10_000);
    }
  }

  /** Serves the server leaf to every handshake asking for an EC key, recording the SNI asked. */
  static final class RecordingKeyManager extends X509ExtendedKeyManager {
    final List<String> serverNames = new CopyOnWriteArrayList<>();
    final List<String> threads = new CopyOnWriteArrayList<>();
    private final PrivateKey key;
    private final X509Certificate[] chain;

    RecordingKeyManager() throws Exception {
      String pem = Files.readString(server.keyFile(), StandardCharsets.US_ASCII);
      String b64 = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
      key =
          KeyFactory.getInstance("EC")
              .generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(b64)));
      chain =
          CertificateFactory.getInstance("X.509")
              .generateCertificates(
                  new ByteArrayInputStream(Files.readAllBytes(server.chainFile())))
              .stream()
              .map(c -> (X509Certificate) c)
              .toArray(X509Certificate[]::new);
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
      if (!keyType.equals("EC")) {
        return null;
      }
      String name = "(none)";
      if (engine.getHandshakeSession() instanceof ExtendedSSLSession s) {
        for (SNIServerName n : s.getRequestedServerNames()) {
          name = new SNIHostName(n.getEncoded()).getAsciiName();
        }
      }
      serverNames.add(name);
      threads.add(Thread.currentThread().getName());
      return "leaf";
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
      return "leaf".equals(alias) ? chain : null;
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
      return "leaf".equals(alias) ? key : null;
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
      return null;
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
      return null;
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
      return null;
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
      return null;
    }
  }

  private static GrpcEndpoint.Settings settings(String keyManager, String clientCa) {
    return GrpcEndpoint.Settings.from(
        TestSupport.config("agent", LOOPBACK, 0, 200, "", "", keyManager, clientCa));
  }

  /** A channel sending {@code serverName} as SNI, trusting anything (this tests the server). */
  private ManagedChannel channel(int port, String serverName, String protocol, Leaf clientCert)
      throws Exception {
    SslContextBuilder ssl =
        GrpcSslContexts.forClient()
            .trustManager(InsecureTrustManagerFactory.INSTANCE)
            .protocols(protocol);
    if (clientCert != null) {
      ssl.keyManager(clientCert.chainFile().toFile(), clientCert.keyFile().toFile());
    }
    return NettyChannelBuilder.forAddress(LOOPBACK, port)
        .overrideAuthority(serverName)
        .sslContext(ssl.build())
        .build();
  }

  private static ServingStatus health(ManagedChannel ch) {
    return HealthGrpc.newBlockingStub(ch)
        .withDeadlineAfter(5, TimeUnit.SECONDS)
        .check(HealthCheckRequest.newBuilder().setService("agent").build())
        .getStatus();
  }

  @ParameterizedTest
  @ValueSource(strings = {"jdk", "default"})
  void eachHandshakeAsksTheKeyManagerWithItsServerName(String provider) throws Exception {
    if (provider.equals("jdk")) {
      System.setProperty("cocos.grpc.tls.provider", "jdk");
    }
    RecordingKeyManager km = new RecordingKeyManager();
    endpoint = GrpcEndpoint.open(settings("atls-test", ""), Optional.of(km));
    int port = endpoint.address().getPort();
    for (String name : List.of("first.example", "second.example")) {
      ManagedChannel ch = channel(port, name, "TLSv1.3", null);
      try {
        assertEquals(ServingStatus.SERVING, health(ch));
      } finally {
        TestSupport.shutdown(ch);
      }
    }
    assertEquals(List.of("first.example", "second.example"), km.serverNames);
    // Asked off the event loop (the key manager may gather evidence): on the call executor.
    for (String t : km.threads) {
      assertTrue(t.startsWith("grpc-agent-call-"), t);
    }
    assertEquals("tls", endpoint.serviceProperties().get(GrpcEndpoint.TLS_PROPERTY));
    assertEquals(
        "atls-test", endpoint.serviceProperties().get(ServerKeyManagers.TRANSPORT_PROPERTY));
    assertTrue(endpoint.toString().contains("key manager 'atls-test'"), endpoint.toString());

    // TLS 1.3 only: a 1.2 client is refused.
    channel = channel(port, "third.example", "TLSv1.2", null);
    assertThrows(StatusRuntimeException.class, () -> health(channel));
  }

  @Test
  void aClientCaStillRequiresClientCertificates() throws Exception {
    endpoint =
        GrpcEndpoint.open(
            settings("atls-test", ca.certFile().toString()),
            Optional.of(new RecordingKeyManager()));
    int port = endpoint.address().getPort();
    assertEquals("mtls", endpoint.serviceProperties().get(GrpcEndpoint.TLS_PROPERTY));
    channel = channel(port, "a.example", "TLSv1.3", client);
    assertEquals(ServingStatus.SERVING, health(channel));
    ManagedChannel without = channel(port, "b.example", "TLSv1.3", null);
    try {
      assertThrows(StatusRuntimeException.class, () -> health(without));
    } finally {
      TestSupport.shutdown(without);
    }
  }

  @Test
  void settingsNameTheProblem() {
    IllegalArgumentException both =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                GrpcEndpoint.Settings.from(
                    TestSupport.config(
                        "agent",
                        LOOPBACK,
                        0,
                        200,
                        server.chainFile().toString(),
                        server.keyFile().toString(),
                        "atls",
                        "")));
    assertTrue(both.getMessage().contains("both set"), both.getMessage());
    IllegalArgumentException badName =
        assertThrows(IllegalArgumentException.class, () -> settings("a b)(x=*", ""));
    assertTrue(badName.getMessage().contains("not a valid name"), badName.getMessage());
    EndpointStartException missing =
        assertThrows(
            EndpointStartException.class,
            () -> GrpcEndpoint.open(settings("atls-test", ""), Optional.empty()));
    assertTrue(missing.getMessage().contains("no key manager service named 'atls-test'"));
    EndpointStartException noFramework =
        assertThrows(
            EndpointStartException.class,
            () ->
                new GrpcTransport(
                    TestSupport.config("agent", LOOPBACK, 0, 200, "", "", "atls-test", ""), null));
    assertTrue(noFramework.getMessage().contains("need an OSGi framework"));
  }

  @Test
  void inAFrameworkTheKeyManagerIsAServiceTheEndpointFollows() throws Exception {
    Map<String, String> props = new HashMap<>();
    props.put(Constants.FRAMEWORK_STORAGE, dir.resolve("felix").toString());
    props.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
    framework = new FrameworkFactory().newFramework(props);
    framework.start();
    BundleContext context = framework.getBundleContext();

    EndpointStartException none =
        assertThrows(
            EndpointStartException.class,
            () ->
                new GrpcTransport(
                    TestSupport.config("agent", LOOPBACK, 0, 200, "", "", "atls-test", ""),
                    context));
    assertTrue(none.getMessage().contains("no key manager service named 'atls-test'"));

    RecordingKeyManager km = new RecordingKeyManager();
    Hashtable<String, Object> p = new Hashtable<>();
    p.put(ServerKeyManagers.SERVICE_PROPERTY, "atls-test");
    ServiceRegistration<X509ExtendedKeyManager> reg =
        context.registerService(X509ExtendedKeyManager.class, km, p);
    transport =
        new GrpcTransport(
            TestSupport.config("agent", LOOPBACK, 0, 200, "", "", "atls-test", ""), context);
    int port = transport.transport().address().getPort();
    channel = channel(port, "one.example", "TLSv1.3", null);
    assertEquals(ServingStatus.SERVING, health(channel));
    assertEquals(List.of("one.example"), km.serverNames);
    assertNotEquals(
        null,
        context.getServiceReference(ai.cocos.api.transport.Transport.class),
        "the Transport service is registered");

    // The key manager leaves (the computation ended): new handshakes fail, none is answered.
    reg.unregister();
    ManagedChannel after = channel(port, "two.example", "TLSv1.3", null);
    try {
      assertThrows(StatusRuntimeException.class, () -> health(after));
    } finally {
      TestSupport.shutdown(after);
    }
    assertEquals(List.of("one.example"), km.serverNames);
  }
}
