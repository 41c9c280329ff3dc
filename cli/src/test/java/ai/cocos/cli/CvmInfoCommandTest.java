package ai.cocos.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.cocos.proto.manager.CVMInfoReq;
import ai.cocos.proto.manager.CVMInfoRes;
import ai.cocos.proto.manager.ManagerServiceGrpc;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code cvm-info} against a real gRPC server on loopback answering the manager's {@code CVMInfo}
 * (the manager process itself: {@code it/CvmInfoIT}): text and JSON output, and the manager's
 * refusals in words.
 */
class CvmInfoCommandTest {
  static final String NL = System.lineSeparator();
  static final String CVM = "5b0c5f3e-1111-4222-8333-944445555666";

  final List<CVMInfoReq> requests = new CopyOnWriteArrayList<>();
  volatile BiConsumer<CVMInfoReq, StreamObserver<CVMInfoRes>> answer;
  Server server;

  @BeforeEach
  void start() throws Exception {
    server =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(
                new ManagerServiceGrpc.ManagerServiceImplBase() {
                  @Override
                  public void cVMInfo(CVMInfoReq request, StreamObserver<CVMInfoRes> response) {
                    requests.add(request);
                    answer.accept(request, response);
                  }
                })
            .build()
            .start();
    answer =
        (q, r) -> {
          r.onNext(
              CVMInfoRes.newBuilder()
                  .setId(q.getId())
                  .setOvmfVersion("edk2-stable202408")
                  .setCpuNum(4)
                  .setCpuType("EPYC-v4")
                  .setEosVersion("0.1.0")
                  .build());
          r.onCompleted();
        };
  }

  @AfterEach
  void stop() throws Exception {
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  Map<String, String> env() {
    return Map.of("MANAGER_GRPC_URL", "127.0.0.1:" + server.getPort());
  }

  @Test
  void printsWhatTheManagerReports() {
    Run run = Run.with(env(), "cvm-info", CVM);
    assertEquals(0, run.exitCode(), run::toString);
    assertEquals(
        "id: "
            + CVM
            + NL
            + "ovmf_version: edk2-stable202408"
            + NL
            + "cpu_num: 4"
            + NL
            + "cpu_type: EPYC-v4"
            + NL
            + "eos_version: 0.1.0"
            + NL,
        run.out());
    assertEquals(CVM, requests.get(0).getId());
  }

  @Test
  void printsJsonAndSaysWhatIsNotSet() {
    Run json = Run.with(env(), "cvm-info", CVM, "--json");
    assertEquals(0, json.exitCode(), json::toString);
    assertEquals(
        "{\"id\":\""
            + CVM
            + "\",\"ovmf_version\":\"edk2-stable202408\",\"cpu_num\":4,\"cpu_type\":\"EPYC-v4\","
            + "\"eos_version\":\"0.1.0\"}"
            + NL,
        json.out());
    answer =
        (q, r) -> {
          r.onNext(CVMInfoRes.newBuilder().setId(q.getId()).setCpuNum(2).build());
          r.onCompleted();
        };
    Run empty = Run.with(env(), "cvm-info", CVM);
    assertTrue(empty.out().contains("ovmf_version: (not set)" + NL), empty::toString);
    assertTrue(empty.out().contains("cpu_num: 2" + NL), empty::toString);
  }

  @Test
  void refusalsAreWorded() {
    answer = (q, r) -> r.onError(Status.NOT_FOUND.withDescription("no VM").asException());
    Run missing = Run.with(env(), "cvm-info", "nope");
    assertEquals(1, missing.exitCode(), missing::toString);
    assertEquals(
        "no VM 'nope' at the manager (removed already, or ended by its TTL?)" + NL, missing.err());

    Run blank = Run.with(env(), "cvm-info", " ");
    assertEquals(2, blank.exitCode(), blank::toString);
    assertTrue(blank.err().startsWith("CVM_ID is empty"), blank::toString);
  }

  @Test
  void aManagerThatIsNotThereIsNamed() throws Exception {
    int port = server.getPort();
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    Run run = Run.with(Map.of("MANAGER_GRPC_URL", "127.0.0.1:" + port), "cvm-info", CVM);
    assertEquals(1, run.exitCode(), run::toString);
    assertTrue(
        run.err().startsWith("cannot reach the manager at 127.0.0.1:" + port), run::toString);
  }

  @Test
  void theTopHelpListsIt() {
    Run run = Run.of("--help");
    assertTrue(run.out().contains("\n  cvm-info "), run::toString);
    assertTrue(
        run.out().contains("Environment, manager (computations, create-vm, remove-vm, cvm-info):"),
        run::toString);
  }
}
