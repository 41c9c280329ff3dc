package ai.cocos.transport.grpc.internal;

import static ai.cocos.transport.grpc.internal.TestSupport.LOOPBACK;
import static ai.cocos.transport.grpc.internal.TestSupport.check;
import static ai.cocos.transport.grpc.internal.TestSupport.cvmInfo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.cocos.api.transport.Transport;
import ai.cocos.transport.grpc.internal.TestCertificates.Ca;
import ai.cocos.transport.grpc.internal.TestCertificates.Leaf;
import ai.cocos.transport.grpc.internal.TestSupport.FixedManager;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ChannelCredentials;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TLS and mutual TLS on a real endpoint with real certificates and real handshakes. */
class GrpcEndpointTlsTest {
  @TempDir static Path dir;

  private static Ca ca;
  private static Ca otherCa;
  private static Leaf server;
  private static Leaf client;
  private static Leaf stranger;

  private GrpcEndpoint endpoint;
  private ManagedChannel channel;

  @BeforeAll
  static void certificates() throws Exception {
    TestCertificates certs = new TestCertificates(dir);
    ca = certs.ca("test-ca");
    otherCa = certs.ca("other-ca");
    server = certs.issue(ca, "server");
    client = certs.issue(ca, "client");
    stranger = certs.issue(otherCa, "stranger");
  }

  @AfterEach
  void close() throws Exception {
    if (channel != null) {
      TestSupport.shutdown(channel);
    }
    if (endpoint != null) {
      endpoint.close();
    }
  }

  private GrpcEndpoint open(String cert, String key, String clientCa) throws Exception {
    return GrpcEndpoint.open(
        GrpcEndpoint.Settings.from(
            TestSupport.config("agent", LOOPBACK, 0, 200, cert, key, clientCa)));
  }

  private ManagedChannel channel(ChannelCredentials credentials) {
    return Grpc.newChannelBuilderForAddress(LOOPBACK, endpoint.address().getPort(), credentials)
        .build();
  }

  private static ChannelCredentials trusting(Path caFile) throws Exception {
    return TlsChannelCredentials.newBuilder().trustManager(caFile.toFile()).build();
  }

  private static ChannelCredentials withCertificate(Path caFile, Leaf leaf) throws Exception {
    return TlsChannelCredentials.newBuilder()
        .trustManager(caFile.toFile())
        .keyManager(leaf.chainFile().toFile(), leaf.keyFile().toFile())
        .build();
  }

  @Test
  void servesHealthAndServicesOverTls13Or12() throws Exception {
    endpoint = open(server.chainFile().toString(), server.keyFile().toString(), "");
    endpoint.addService(new FixedManager("EPYC"), 0);
    channel = channel(trusting(ca.certFile()));
    AtomicReference<SSLSession> session = new AtomicReference<>();
    Channel recording = ClientInterceptors.intercept(channel, sessionOf(session));

    assertEquals(
        ServingStatus.SERVING,
        HealthGrpc.newBlockingStub(recording)
            .withDeadlineAfter(5, TimeUnit.SECONDS)
            .check(HealthCheckRequest.newBuilder().setService("agent").build())
            .getStatus());
    assertEquals("EPYC", cvmInfo(channel, "x").getCpuType());
    assertTrue(
        Set.of("TLSv1.3", "TLSv1.2").contains(session.get().getProtocol()),
        session.get().getProtocol());
    assertEquals("tls", endpoint.serviceProperties().get(GrpcEndpoint.TLS_PROPERTY));
    assertTrue(endpoint.toString().endsWith("(TLS)"), endpoint.toString());
  }

  @Test
  void plaintextClientIsRefused() throws Exception {
    endpoint = open(server.chainFile().toString(), server.keyFile().toString(), "");
    channel = channel(InsecureChannelCredentials.create());
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> check(channel, ""));
    assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode(), e.getStatus().toString());
  }

  @Test
  void clientTrustingAnotherCaRefusesTheServer() throws Exception {
    endpoint = open(server.chainFile().toString(), server.keyFile().toString(), "");
    channel = channel(trusting(otherCa.certFile()));
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> check(channel, ""));
    assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode(), e.getStatus().toString());
  }

  @Test
  void mutualTlsRefusesAClientWithoutCertificate() throws Exception {
    endpoint =
        open(server.chainFile().toString(), server.keyFile().toString(), ca.certFile().toString());
    assertEquals("mtls", endpoint.serviceProperties().get(GrpcEndpoint.TLS_PROPERTY));
    channel = channel(trusting(ca.certFile()));
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> check(channel, ""));
    assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode(), e.getStatus().toString());
  }

  @Test
  void mutualTlsRefusesACertificateFromAnotherCa() throws Exception {
    endpoint =
        open(server.chainFile().toString(), server.keyFile().toString(), ca.certFile().toString());
    channel = channel(withCertificate(ca.certFile(), stranger));
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> check(channel, ""));
    assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode(), e.getStatus().toString());
  }

  @Test
  void mutualTlsAcceptsAClientCertificateFromTheCa() throws Exception {
    endpoint =
        open(server.chainFile().toString(), server.keyFile().toString(), ca.certFile().toString());
    channel = channel(withCertificate(ca.certFile(), client));
    assertEquals(ServingStatus.SERVING, check(channel, ""));
    assertEquals(ServingStatus.SERVING, check(channel, "agent"));
  }

  @Test
  void plaintextStaysTheDefault() throws Exception {
    endpoint = open("", "", "");
    assertEquals("none", endpoint.serviceProperties().get(GrpcEndpoint.TLS_PROPERTY));
    channel = channel(InsecureChannelCredentials.create());
    assertEquals(ServingStatus.SERVING, check(channel, ""));
  }

  @Test
  void certificateWithoutKeyOrCaWithoutCertificateIsAConfigurationError() {
    IllegalArgumentException noKey =
        assertThrows(
            IllegalArgumentException.class, () -> open(server.chainFile().toString(), "", ""));
    assertTrue(noKey.getMessage().contains("'tlsKeyFile' is not"), noKey.getMessage());
    IllegalArgumentException noCert =
        assertThrows(
            IllegalArgumentException.class, () -> open("", server.keyFile().toString(), ""));
    assertTrue(noCert.getMessage().contains("'tlsCertFile' is not"), noCert.getMessage());
    IllegalArgumentException caAlone =
        assertThrows(IllegalArgumentException.class, () -> open("", "", ca.certFile().toString()));
    assertTrue(caAlone.getMessage().contains("'tlsClientCaFile'"), caAlone.getMessage());
  }

  @Test
  void badFilesFailTheOpeningNamingTheFileAndTheProblem() throws Exception {
    Path missing = dir.resolve("missing.pem");
    EndpointStartException noFile =
        assertThrows(
            EndpointStartException.class,
            () -> open(missing.toString(), server.keyFile().toString(), ""));
    assertTrue(
        noFile.getMessage().contains("tlsCertFile '" + missing + "': the file does not exist"),
        noFile.getMessage());

    Path garbage = Files.writeString(dir.resolve("garbage.pem"), "not a certificate\n");
    EndpointStartException notPem =
        assertThrows(
            EndpointStartException.class,
            () -> open(garbage.toString(), server.keyFile().toString(), ""));
    assertTrue(notPem.getMessage().contains("tlsCertFile '" + garbage + "'"), notPem.getMessage());

    EndpointStartException wrongKey =
        assertThrows(
            EndpointStartException.class,
            () -> open(server.chainFile().toString(), client.keyFile().toString(), ""));
    assertTrue(
        wrongKey
            .getMessage()
            .contains(
                "tlsKeyFile '"
                    + client.keyFile()
                    + "': not the private key of the first certificate in "
                    + server.chainFile()),
        wrongKey.getMessage());

    Path sec1 =
        Files.writeString(
            dir.resolve("sec1.pem"),
            "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n");
    EndpointStartException notPkcs8 =
        assertThrows(
            EndpointStartException.class,
            () -> open(server.chainFile().toString(), sec1.toString(), ""));
    assertTrue(notPkcs8.getMessage().contains("openssl pkcs8 -topk8"), notPkcs8.getMessage());

    EndpointStartException badCa =
        assertThrows(
            EndpointStartException.class,
            () ->
                open(
                    server.chainFile().toString(),
                    server.keyFile().toString(),
                    missing.toString()));
    assertTrue(
        badCa.getMessage().contains("tlsClientCaFile '" + missing + "'"), badCa.getMessage());
  }

  @Test
  void theComponentPublishesTheTlsModeAndFailsActivationOnABadFile() throws Exception {
    GrpcTransport component =
        new GrpcTransport(
            TestSupport.config(
                "agent",
                LOOPBACK,
                0,
                200,
                server.chainFile().toString(),
                server.keyFile().toString(),
                ca.certFile().toString()),
            null);
    try {
      GrpcEndpoint ep = (GrpcEndpoint) component.transport();
      assertEquals("mtls", ep.serviceProperties().get(GrpcEndpoint.TLS_PROPERTY));
      assertEquals("agent", ep.serviceProperties().get(Transport.ENDPOINT_PROPERTY));
    } finally {
      component.deactivate();
    }
    Path missing = dir.resolve("nope.key");
    EndpointStartException e =
        assertThrows(
            EndpointStartException.class,
            () ->
                new GrpcTransport(
                    TestSupport.config(
                        "agent",
                        LOOPBACK,
                        0,
                        200,
                        server.chainFile().toString(),
                        missing.toString(),
                        ""),
                    null));
    assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
  }

  /** Records the TLS session of the calls made through it. */
  private static ClientInterceptor sessionOf(AtomicReference<SSLSession> session) {
    return new ClientInterceptor() {
      @Override
      public <Q, R> ClientCall<Q, R> interceptCall(
          MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
        ClientCall<Q, R> call = next.newCall(method, options);
        return new ForwardingClientCall.SimpleForwardingClientCall<>(call) {
          @Override
          public void start(Listener<R> listener, Metadata headers) {
            super.start(
                new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
                  @Override
                  public void onHeaders(Metadata h) {
                    session.set(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
                    super.onHeaders(h);
                  }
                },
                headers);
          }
        };
      }
    };
  }
}
