package ai.cocos.transport.grpc.internal;

import static ai.cocos.transport.grpc.internal.TestSupport.check;
import static ai.cocos.transport.grpc.internal.TestSupport.cvmInfo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.cocos.api.transport.Transport;
import ai.cocos.api.transport.Transport.HealthStatus;
import ai.cocos.transport.grpc.internal.TestSupport.FixedManager;
import io.grpc.BindableService;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Constants;

/** The component without a framework: DS would pass the same configuration and properties. */
class GrpcTransportTest {
  private GrpcTransport component;
  private ManagedChannel channel;

  @BeforeEach
  void activate() throws Exception {
    component = new GrpcTransport(TestSupport.config("manager", "127.0.0.1", 0, 200), null);
    channel = TestSupport.channelTo(component.transport().address());
  }

  @AfterEach
  void deactivate() throws Exception {
    TestSupport.shutdown(channel);
    component.deactivate();
  }

  @Test
  void listensAndReportsHealthOnActivation() {
    assertEquals(ServingStatus.SERVING, check(channel, ""));
    assertEquals(ServingStatus.SERVING, check(channel, "manager"));
    assertEquals("manager", component.transport().endpoint());
  }

  @Test
  void servesWhiteboardServicesForItsEndpointOnly() {
    BindableService mine = new FixedManager("mine");
    BindableService theirs = new FixedManager("theirs");
    Map<String, Object> mineProps = props(1L, "manager");
    Map<String, Object> theirProps = props(2L, "agent");

    component.bindBindableService(theirs, theirProps);
    assertEquals(
        HealthStatus.SERVICE_UNKNOWN, component.transport().health("manager.ManagerService"));

    component.bindBindableService(mine, mineProps);
    assertEquals("mine", cvmInfo(channel, "a").getCpuType());
    assertEquals(ServingStatus.SERVING, check(channel, "manager.ManagerService"));

    component.unbindBindableService(theirs, theirProps); // never served: nothing changes
    assertEquals("mine", cvmInfo(channel, "a").getCpuType());

    component.unbindBindableService(mine, mineProps);
    StatusRuntimeException gone =
        assertThrows(StatusRuntimeException.class, () -> cvmInfo(channel, "a"));
    assertEquals(Status.Code.UNIMPLEMENTED, gone.getStatus().getCode());
    assertEquals(ServingStatus.NOT_SERVING, check(channel, "manager.ManagerService"));
  }

  @Test
  void acceptsSeveralEndpointNamesAndFollowsPropertyChanges() {
    BindableService service = new FixedManager("both");
    component.bindBindableService(service, props(3L, new String[] {"agent", "manager"}));
    assertEquals("both", cvmInfo(channel, "b").getCpuType());

    component.updatedBindableService(service, props(3L, "agent"));
    assertEquals(ServingStatus.NOT_SERVING, check(channel, "manager.ManagerService"));

    component.updatedBindableService(service, props(3L, List.of("manager")));
    assertEquals(ServingStatus.SERVING, check(channel, "manager.ManagerService"));
    assertEquals("both", cvmInfo(channel, "b").getCpuType());
  }

  @Test
  void serviceRankingPicksTheServedImplementation() {
    Map<String, Object> low = props(4L, "manager");
    Map<String, Object> high = props(5L, "manager");
    high.put(Constants.SERVICE_RANKING, 10);
    component.bindBindableService(new FixedManager("low"), low);
    component.bindBindableService(new FixedManager("high"), high);
    assertEquals("high", cvmInfo(channel, "c").getCpuType());
  }

  @Test
  void deactivationReleasesThePort() throws Exception {
    int port = component.transport().address().getPort();
    component.bindBindableService(new FixedManager("x"), props(6L, "manager"));
    component.deactivate();
    assertEquals(HealthStatus.NOT_SERVING, component.transport().health(""));
    try (ServerSocket again = new ServerSocket()) {
      again.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port));
    }
    // DS unbinds after deactivation: must be quick and harmless.
    component.unbindBindableService(new FixedManager("x"), props(6L, "manager"));
  }

  @Test
  void activationFailsNamingTheAddressWhenThePortIsTaken() {
    int taken = component.transport().address().getPort();
    EndpointStartException e =
        assertThrows(
            EndpointStartException.class,
            () -> new GrpcTransport(TestSupport.config("agent", "127.0.0.1", taken, 0), null));
    assertTrue(e.getMessage().contains("127.0.0.1:" + taken), e.getMessage());
  }

  private static Map<String, Object> props(long serviceId, Object endpoints) {
    Map<String, Object> props = new java.util.HashMap<>();
    props.put(Constants.SERVICE_ID, serviceId);
    props.put(Transport.ENDPOINT_PROPERTY, endpoints);
    return props;
  }
}
