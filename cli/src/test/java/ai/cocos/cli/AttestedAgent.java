package ai.cocos.cli;

import ai.cocos.agent.Agent;
import ai.cocos.agent.ComputationService;
import ai.cocos.agent.internal.AgentRuntime;
import ai.cocos.agent.internal.AgentRuntimeConfig;
import ai.cocos.agent.internal.grpc.AgentGrpcService;
import ai.cocos.api.computation.Manifest;
import ai.cocos.api.plugin.PluginInfo;
import ai.cocos.api.plugin.PluginRegistry;
import ai.cocos.api.runner.OutputSink;
import ai.cocos.api.runner.RunResult;
import ai.cocos.api.runner.RunSpec;
import ai.cocos.api.runner.RunnerException;
import ai.cocos.api.runner.RunnerUnavailableException;
import ai.cocos.api.runner.Workload;
import ai.cocos.api.runner.WorkloadRunner;
import ai.cocos.api.tee.TeeProvider;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * A real agent for the CLI's attested-TLS tests: the agent's runtime (state machine, upload
 * authorisation, storage, run, results) with a shell runner, its gRPC service, served over TLS 1.3
 * whose certificate a key manager makes per connection (the agent's attested-TLS key manager, or a
 * forger's), counting every call that reaches the agent.
 */
final class AttestedAgent implements AutoCloseable {
  final Agent agent;
  final ComputationService computation;
  final AtomicInteger calls;
  private final Server server;

  private AttestedAgent(
      Agent agent, ComputationService computation, Server server, AtomicInteger calls) {
    this.agent = agent;
    this.computation = computation;
    this.server = server;
    this.calls = calls;
  }

  /**
   * Starts an agent serving one computation.
   *
   * @param work the agent's work folder
   * @param manifest the computation
   * @param km makes the certificate of each connection
   * @param clientCa clients must present a certificate from it, if given
   * @return the running agent
   */
  static AttestedAgent start(
      Path work, Manifest manifest, X509ExtendedKeyManager km, X509Certificate clientCa)
      throws Exception {
    Agent agent = new AgentRuntime(config(work), plugins());
    ComputationService c = agent.start(manifest);
    SslContextBuilder ssl =
        GrpcSslContexts.configure(SslContextBuilder.forServer(km), SslProvider.OPENSSL)
            .protocols("TLSv1.3");
    if (clientCa != null) {
      ssl.trustManager(clientCa).clientAuth(ClientAuth.REQUIRE);
    }
    AtomicInteger calls = new AtomicInteger();
    ServerInterceptor count =
        new ServerInterceptor() {
          @Override
          public <Q, R> ServerCall.Listener<Q> interceptCall(
              ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
            calls.incrementAndGet();
            return next.startCall(call, headers);
          }
        };
    Server server =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .sslContext(ssl.build())
            .addService(ServerInterceptors.intercept(new AgentGrpcService(agent), count))
            .build()
            .start();
    return new AttestedAgent(agent, c, server, calls);
  }

  int port() {
    return server.getPort();
  }

  /** The CLI's environment for this agent. */
  Map<String, String> env() {
    return Map.of("AGENT_GRPC_URL", "127.0.0.1:" + port());
  }

  @Override
  public void close() throws Exception {
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    computation.stop();
    Method deactivate = AgentRuntime.class.getDeclaredMethod("deactivate");
    deactivate.setAccessible(true);
    deactivate.invoke(agent);
  }

  private static AgentRuntimeConfig config(Path work) {
    return (AgentRuntimeConfig)
        Proxy.newProxyInstance(
            AgentRuntimeConfig.class.getClassLoader(),
            new Class<?>[] {AgentRuntimeConfig.class},
            (proxy, method, args) ->
                switch (method.getName()) {
                  case "workDir" -> work.toString();
                  case "runTimeoutSeconds" -> 60L;
                  case "annotationType" -> AgentRuntimeConfig.class;
                  case "hashCode" -> System.identityHashCode(proxy);
                  case "equals" -> proxy == args[0];
                  case "toString" -> "AgentRuntimeConfig[" + work + "]";
                  default -> method.getDefaultValue();
                });
  }

  private static PluginRegistry plugins() {
    WorkloadRunner shell = new ShellRunner();
    return new PluginRegistry() {
      @Override
      public List<PluginInfo> plugins() {
        return List.of();
      }

      @Override
      public WorkloadRunner runner(String type) throws RunnerUnavailableException {
        if (!type.equals("bin")) {
          throw new RunnerUnavailableException("runner '" + type + "' is not installed");
        }
        return shell;
      }

      @Override
      public Optional<TeeProvider> teeProvider(String platform) {
        return Optional.empty();
      }

      @Override
      public List<TeeProvider> teeProviders() {
        return List.of();
      }
    };
  }

  /** Runs a {@code bin} algorithm as a process in its working folder. */
  static final class ShellRunner implements WorkloadRunner {
    @Override
    public String type() {
      return "bin";
    }

    @Override
    public void checkHost() {}

    @Override
    public Workload start(RunSpec spec, OutputSink output) throws RunnerException {
      Process p;
      try {
        Files.setPosixFilePermissions(
            spec.algorithm(), PosixFilePermissions.fromString("rwx------"));
        p =
            new ProcessBuilder(spec.algorithm().toString())
                .directory(spec.workDir().toFile())
                .redirectErrorStream(true)
                .start();
      } catch (java.io.IOException e) {
        throw new RunnerException("cannot start " + spec.algorithm() + ": " + e.getMessage(), e);
      }
      CompletableFuture<RunResult> result =
          p.onExit()
              .thenApply(
                  x -> {
                    try {
                      new String(p.getInputStream().readAllBytes())
                          .lines()
                          .forEach(l -> output.line(OutputSink.Stream.STDOUT, l));
                    } catch (java.io.IOException e) {
                      // output lost; the exit status still counts
                    }
                    return x.exitValue() == 0
                        ? new RunResult(RunResult.Outcome.SUCCEEDED, 0, "")
                        : new RunResult(
                            RunResult.Outcome.FAILED, x.exitValue(), "exit " + x.exitValue());
                  });
      return new Workload() {
        @Override
        public CompletionStage<RunResult> result() {
          return result;
        }

        @Override
        public void stop() {
          p.destroyForcibly();
        }
      };
    }
  }
}
