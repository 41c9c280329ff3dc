package ai.cocos.transport.grpc.internal;

import static ai.cocos.transport.grpc.internal.TestSupport.check;
import static ai.cocos.transport.grpc.internal.TestSupport.cvmInfo;
import static ai.cocos.transport.grpc.internal.TestSupport.listServices;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.cocos.api.transport.Transport;
import ai.cocos.api.transport.Transport.HealthStatus;
import ai.cocos.proto.manager.CVMInfoReq;
import ai.cocos.proto.manager.CVMInfoRes;
import ai.cocos.proto.manager.ManagerServiceGrpc;
import ai.cocos.transport.grpc.internal.TestSupport.FixedManager;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.stub.StreamObserver;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class GrpcEndpointTest {
  /** Long enough that a loaded machine does not cancel the calls meant to finish in time. */
  private static final long GRACE_MILLIS = 1000;

  private GrpcEndpoint endpoint;
  private ManagedChannel channel;

  @BeforeEach
  void open() throws Exception {
    endpoint = GrpcEndpoint.open(TestSupport.settings("manager", GRACE_MILLIS));
    channel = TestSupport.channelTo(endpoint.address());
  }

  @AfterEach
  void close() throws Exception {
    TestSupport.shutdown(channel);
    endpoint.close();
  }

  @Test
  void reportsWhereItListens() {
    assertEquals("manager", endpoint.endpoint());
    assertEquals("grpc", endpoint.protocol());
    assertNotEquals(0, endpoint.address().getPort());
    assertEquals(
        "127.0.0.1:" + endpoint.address().getPort(),
        endpoint.serviceProperties().get(Transport.ADDRESS_PROPERTY));
    assertEquals("manager", endpoint.serviceProperties().get(Transport.ENDPOINT_PROPERTY));
    assertEquals("grpc", endpoint.serviceProperties().get(Transport.PROTOCOL_PROPERTY));
  }

  @Test
  void healthIsServingForTheServerAndTheEndpointName() {
    assertEquals(ServingStatus.SERVING, check(channel, ""));
    assertEquals(ServingStatus.SERVING, check(channel, "manager"));
    assertEquals(HealthStatus.SERVING, endpoint.health(""));
    assertEquals(HealthStatus.SERVING, endpoint.health("manager"));
    assertEquals(HealthStatus.SERVICE_UNKNOWN, endpoint.health("manager.ManagerService"));
    StatusRuntimeException unknown =
        assertThrows(StatusRuntimeException.class, () -> check(channel, "manager.ManagerService"));
    assertEquals(Status.Code.NOT_FOUND, unknown.getStatus().getCode());
  }

  @Test
  void reflectionListsHealthAndBothReflectionVersions() throws Exception {
    List<String> services = listServices(channel);
    assertTrue(services.contains("grpc.health.v1.Health"), services::toString);
    assertTrue(services.contains("grpc.reflection.v1.ServerReflection"), services::toString);
    assertTrue(services.contains("grpc.reflection.v1alpha.ServerReflection"), services::toString);
  }

  @Test
  void contributedServiceIsServedUntilWithdrawn() throws Exception {
    GrpcEndpoint.Contribution contribution = endpoint.addService(new FixedManager("EPYC"), 0);

    CVMInfoRes info = cvmInfo(channel, "cvm-1");
    assertEquals("cvm-1", info.getId());
    assertEquals(2, info.getCpuNum());
    assertEquals("EPYC", info.getCpuType());
    assertEquals(ServingStatus.SERVING, check(channel, "manager.ManagerService"));
    assertEquals(HealthStatus.SERVING, endpoint.health("manager.ManagerService"));
    assertTrue(listServices(channel).contains("manager.ManagerService"));

    contribution.close();

    StatusRuntimeException gone =
        assertThrows(StatusRuntimeException.class, () -> cvmInfo(channel, "cvm-1"));
    assertEquals(Status.Code.UNIMPLEMENTED, gone.getStatus().getCode());
    assertEquals(ServingStatus.NOT_SERVING, check(channel, "manager.ManagerService"));
    assertEquals(HealthStatus.NOT_SERVING, endpoint.health("manager.ManagerService"));
    assertFalse(listServices(channel).contains("manager.ManagerService"));
    // The endpoint itself is unaffected.
    assertEquals(ServingStatus.SERVING, check(channel, ""));

    contribution.close(); // idempotent
  }

  @Test
  void highestRankingContributionIsServedAndTheNextTakesOver() {
    GrpcEndpoint.Contribution low = endpoint.addService(new FixedManager("low"), 0);
    GrpcEndpoint.Contribution high = endpoint.addService(new FixedManager("high"), 10);
    GrpcEndpoint.Contribution lowToo = endpoint.addService(new FixedManager("low-later"), 0);
    assertEquals("high", cvmInfo(channel, "x").getCpuType());

    high.close();
    assertEquals("low", cvmInfo(channel, "x").getCpuType());
    assertEquals(ServingStatus.SERVING, check(channel, "manager.ManagerService"));

    low.close();
    assertEquals("low-later", cvmInfo(channel, "x").getCpuType());

    lowToo.close();
    assertEquals(ServingStatus.NOT_SERVING, check(channel, "manager.ManagerService"));
  }

  @Test
  void builtInServicesCannotBeReplaced() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> endpoint.addService(new HealthStatusManager().getHealthService(), 100));
    assertTrue(e.getMessage().contains("grpc.health.v1.Health"), e.getMessage());
  }

  @Test
  void withdrawnServiceLetsRunningCallsFinishWithinTheGracePeriod() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    GrpcEndpoint.Contribution contribution =
        endpoint.addService(new SlowManager(entered, release), 0);
    CompletableFuture<CVMInfoRes> call = callAsync("slow");
    assertTrue(entered.await(5, TimeUnit.SECONDS));

    CompletableFuture<Void> withdrawal = CompletableFuture.runAsync(contribution::close);
    Thread.sleep(50); // the withdrawal is now waiting for the running call
    assertFalse(withdrawal.isDone());
    release.countDown();

    assertEquals("slow", call.get(5, TimeUnit.SECONDS).getId());
    withdrawal.get(5, TimeUnit.SECONDS);
  }

  @Test
  void withdrawnServiceCancelsCallsStillRunningAfterTheGracePeriod() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    GrpcEndpoint.Contribution contribution =
        endpoint.addService(new SlowManager(entered, release), 0);
    CompletableFuture<CVMInfoRes> call = callAsync("stuck");
    assertTrue(entered.await(5, TimeUnit.SECONDS));

    long start = System.nanoTime();
    contribution.close();
    long tookMillis = (System.nanoTime() - start) / 1_000_000;
    assertTrue(
        tookMillis >= GRACE_MILLIS - 50 && tookMillis < GRACE_MILLIS + 3000,
        "withdrawal took " + tookMillis + " ms");

    ExecutionException failed =
        assertThrows(ExecutionException.class, () -> call.get(5, TimeUnit.SECONDS));
    Status status = Status.fromThrowable(failed.getCause());
    assertEquals(Status.Code.UNAVAILABLE, status.getCode());
    assertTrue(status.getDescription().contains("manager.ManagerService"), status::toString);

    // The service answering late reaches no one and breaks nothing.
    release.countDown();
    assertEquals(ServingStatus.SERVING, check(channel, ""));
  }

  @Test
  void bindingAnAddressInUseFailsNamingTheAddress() throws Exception {
    int taken = endpoint.address().getPort();
    GrpcEndpoint.Settings same =
        GrpcEndpoint.Settings.from(TestSupport.config("agent", "127.0.0.1", taken, 0));
    EndpointStartException e =
        assertThrows(EndpointStartException.class, () -> GrpcEndpoint.open(same));
    assertTrue(e.getMessage().contains("127.0.0.1:" + taken), e.getMessage());
    assertTrue(e.getMessage().contains("'agent'"), e.getMessage());
  }

  @Test
  void closeReleasesThePortAndReportsNotServing() throws Exception {
    endpoint.addService(new FixedManager("EPYC"), 0);
    int port = endpoint.address().getPort();

    endpoint.close();

    assertTrue(endpoint.isClosed());
    assertEquals(HealthStatus.NOT_SERVING, endpoint.health(""));
    assertEquals(HealthStatus.NOT_SERVING, endpoint.health("manager"));
    assertEquals(HealthStatus.NOT_SERVING, endpoint.health("manager.ManagerService"));
    try (ServerSocket again = new ServerSocket()) {
      again.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port));
    }
    assertThrows(IllegalStateException.class, () -> endpoint.addService(new FixedManager("x"), 0));
    endpoint.close(); // idempotent
  }

  @Test
  void invalidSettingsNameTheProperty() {
    IllegalArgumentException port =
        assertThrows(
            IllegalArgumentException.class,
            () -> GrpcEndpoint.Settings.from(TestSupport.config("agent", "localhost", 70000, 0)));
    assertTrue(port.getMessage().contains("'port' 70000"), port.getMessage());
    IllegalArgumentException endpointName =
        assertThrows(
            IllegalArgumentException.class,
            () -> GrpcEndpoint.Settings.from(TestSupport.config(null, "localhost", 0, 0)));
    assertTrue(endpointName.getMessage().contains("'endpoint'"), endpointName.getMessage());
  }

  private CompletableFuture<CVMInfoRes> callAsync(String id) {
    CompletableFuture<CVMInfoRes> result = new CompletableFuture<>();
    ManagerServiceGrpc.newStub(channel)
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .cVMInfo(
            CVMInfoReq.newBuilder().setId(id).build(),
            new StreamObserver<>() {
              @Override
              public void onNext(CVMInfoRes value) {
                result.complete(value);
              }

              @Override
              public void onError(Throwable t) {
                result.completeExceptionally(t);
              }

              @Override
              public void onCompleted() {}
            });
    return result;
  }

  /** Answers once released; stands for a service busy when it leaves. */
  private static final class SlowManager extends ManagerServiceGrpc.ManagerServiceImplBase {
    private final CountDownLatch entered;
    private final CountDownLatch release;

    SlowManager(CountDownLatch entered, CountDownLatch release) {
      this.entered = entered;
      this.release = release;
    }

    @Override
    public void cVMInfo(CVMInfoReq request, StreamObserver<CVMInfoRes> responseObserver) {
      entered.countDown();
      try {
        release.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      responseObserver.onNext(CVMInfoRes.newBuilder().setId(request.getId()).build());
      responseObserver.onCompleted();
    }
  }
}
