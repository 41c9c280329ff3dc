package ai.cocos.cli;

import ai.cocos.crypto.Certificates;
import ai.cocos.crypto.KeyType;
import ai.cocos.crypto.PemKeys;
import ai.cocos.proto.agent.AgentServiceGrpc;
import ai.cocos.proto.agent.AlgoRequest;
import ai.cocos.proto.agent.AlgoResponse;
import ai.cocos.proto.agent.DataRequest;
import ai.cocos.proto.agent.DataResponse;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code cocos-cli class-data-training} (hidden): the training run the build makes to write the
 * CLI's class-data archive ({@code cli/target/cocos-cli.jsa}, {@code -XX:ArchiveClassesAtExit}).
 *
 * <p>It goes through what a user's upload loads, in this JVM and against a throwaway agent on
 * loopback: {@code keys}, {@code manifest create}, then {@code algo} and {@code data} over TLS, as
 * {@code bin/cocos-cli} runs them. The archive then holds those classes (about 3,000, most of them
 * gRPC, Netty and TLS), and each later {@code cocos-cli} maps them instead of loading them one by
 * one from the jars: about 0.4 s less from start to the first byte of an upload (bench/upload.sh,
 * issue 3).
 *
 * <p>The throwaway agent accepts whatever it is sent and checks nothing: it exists for the client's
 * sake only. Exit code 0 if every step succeeded, 1 otherwise (the build then fails, as the archive
 * would miss what a real upload needs).
 */
@Command(
    name = "class-data-training",
    hidden = true,
    description = "Build step: load what an upload loads, for the class-data archive.")
final class ClassDataTrainingCommand implements Callable<Integer> {
  @Override
  public Integer call() throws Exception {
    Path dir = Files.createTempDirectory("cocos-cli-training");
    Server agent = null;
    try {
      KeyPair caKeys = PemKeys.generate(KeyType.ECDSA);
      X509Certificate ca = Certificates.selfSignedCa("training CA", caKeys, Duration.ofHours(1));
      KeyPair serverKeys = PemKeys.generate(KeyType.ECDSA);
      X509Certificate server =
          Certificates.issue(
              ca,
              caKeys.getPrivate(),
              "127.0.0.1",
              serverKeys.getPublic(),
              List.of(),
              List.of(InetAddress.getLoopbackAddress()),
              Duration.ofHours(1));
      Path caPem = write(dir.resolve("ca.pem"), Certificates.toPem(ca));
      Path certPem = write(dir.resolve("agent.pem"), Certificates.toPem(server));
      Path keyPem = write(dir.resolve("agent-key.pem"), PemKeys.toPem(serverKeys.getPrivate()));
      agent =
          NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
              .sslContext(GrpcSslContexts.forServer(certPem.toFile(), keyPem.toFile()).build())
              .addService(new AcceptingAgent())
              .build()
              .start();

      Path algo = write(dir.resolve("algo.sh"), "#!/bin/sh\ntrue\n");
      Path data = dir.resolve("data.bin");
      byte[] bytes = new byte[Upload.CHUNK_BYTES + Upload.CHUNK_BYTES / 2];
      new Random(1).nextBytes(bytes);
      Files.write(data, bytes);
      Path manifest = dir.resolve("manifest.json");
      Map<String, String> env =
          Map.of(
              "AGENT_GRPC_URL", "127.0.0.1:" + agent.getPort(),
              "AGENT_GRPC_SERVER_CA_CERTS", caPem.toString(),
              "COCOS_MANIFEST", manifest.toString());
      String owner = dir.resolve("owner").toString();
      String provider = dir.resolve("provider").toString();
      run(env, "keys", "-k", "ecdsa", "-o", owner);
      run(env, "keys", "-k", "ecdsa", "-o", provider);
      run(
          env,
          "manifest",
          "create",
          "-o",
          manifest.toString(),
          "--id",
          "training",
          "--name",
          "training",
          "--algorithm",
          algo.toString(),
          "--algorithm-key",
          owner + "/public.pem",
          "--dataset",
          data + "=" + provider + "/public.pem",
          "--consumer",
          owner + "/public.pem",
          "--agent-cert",
          certPem.toString(),
          "--agent-key",
          keyPem.toString());
      run(env, "algo", algo.toString(), owner + "/private.pem", "-a", "bin", "-q");
      run(env, "data", data.toString(), provider + "/private.pem", "-q");
      return 0;
    } finally {
      if (agent != null) {
        agent.shutdown().awaitTermination(5, TimeUnit.SECONDS);
      }
      try (Stream<Path> s = Files.walk(dir)) {
        for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  private static Path write(Path p, String text) throws IOException {
    return Files.writeString(p, text, StandardCharsets.UTF_8);
  }

  /** Runs one command as {@code cocos-cli} would, its output kept; fails unless it succeeded. */
  private static void run(Map<String, String> env, String... args) {
    CommandLine cli = Main.commandLine(env::get, args);
    StringWriter out = new StringWriter();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(out));
    int code = cli.execute(args);
    if (code != 0) {
      throw new IllegalStateException(
          "training step 'cocos-cli " + String.join(" ", args) + "' exited " + code + ": " + out);
    }
  }

  /** Takes every upload whole and answers as the agent does. */
  private static final class AcceptingAgent extends AgentServiceGrpc.AgentServiceImplBase {
    @Override
    public StreamObserver<AlgoRequest> algo(StreamObserver<AlgoResponse> response) {
      return new Drain<>(response, AlgoResponse.getDefaultInstance());
    }

    @Override
    public StreamObserver<DataRequest> data(StreamObserver<DataResponse> response) {
      return new Drain<>(response, DataResponse.getDefaultInstance());
    }
  }

  private record Drain<Q, R>(StreamObserver<R> response, R answer) implements StreamObserver<Q> {
    @Override
    public void onNext(Q value) {
      // taken
    }

    @Override
    public void onError(Throwable t) {
      // the client went away; nothing to answer
    }

    @Override
    public void onCompleted() {
      response.onNext(answer);
      response.onCompleted();
    }
  }
}
