package ai.cocos.manager.internal;

import ai.cocos.api.computation.AgentConfig;
import ai.cocos.api.computation.AlgorithmSpec;
import ai.cocos.api.computation.DatasetSpec;
import ai.cocos.api.computation.Manifest;
import ai.cocos.api.computation.PublicKeyPem;
import ai.cocos.api.computation.ResultConsumer;
import ai.cocos.api.computation.Sha3Hash;
import ai.cocos.api.transport.Transport;
import ai.cocos.crypto.KeyType;
import ai.cocos.crypto.PemKeys;
import ai.cocos.manager.VmBackend;
import ai.cocos.manifest.ManifestWriter;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.util.MutableHandlerRegistry;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** Shared helpers: configurations, real keys and manifests, a manager served over loopback. */
final class TestSupport {
  /** Data provider: ECDSA P-256. */
  static final KeyPair HOSPITAL = PemKeys.generate(KeyType.ECDSA);

  /** Algorithm provider: Ed25519. */
  static final KeyPair LAB = PemKeys.generate(KeyType.ED25519);

  /** Result consumer: ECDSA P-256. */
  static final KeyPair CONSUMER = PemKeys.generate(KeyType.ECDSA);

  /** The computation owner: Ed25519. */
  static final KeyPair OWNER = PemKeys.generate(KeyType.ED25519);

  private TestSupport() {}

  /** A configuration as DS hands it to the component: the annotation's defaults, with overrides. */
  static ManagerConfig config(Map<String, Object> overrides) {
    return annotation(ManagerConfig.class, overrides);
  }

  /** The QEMU backend's configuration: the annotation's defaults, with overrides. */
  static QemuConfig qemuConfig(Map<String, Object> overrides) {
    return annotation(QemuConfig.class, overrides);
  }

  private static <A> A annotation(Class<A> type, Map<String, Object> overrides) {
    return type.cast(
        Proxy.newProxyInstance(
            type.getClassLoader(),
            new Class<?>[] {type},
            (proxy, method, args) ->
                switch (method.getName()) {
                  case "annotationType" -> type;
                  case "hashCode" -> System.identityHashCode(proxy);
                  case "equals" -> proxy == args[0];
                  case "toString" -> type.getSimpleName() + overrides;
                  default ->
                      overrides.containsKey(method.getName())
                          ? overrides.get(method.getName())
                          : method.getDefaultValue();
                }));
  }

  static Sha3Hash sha3(String text) {
    try {
      return new Sha3Hash(
          MessageDigest.getInstance("SHA3-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static PublicKeyPem key(KeyPair pair) {
    return PublicKeyPem.of(pair.getPublic().getEncoded());
  }

  /** A two-dataset manifest with the test parties. */
  static Manifest manifest(String id) {
    return new Manifest(
        id,
        "linear regression",
        "two hospitals, one lab",
        List.of(
            new DatasetSpec(sha3("rows a"), key(HOSPITAL), "a.csv", false),
            new DatasetSpec(sha3("rows b"), key(HOSPITAL), "b.zip", true)),
        new AlgorithmSpec(sha3("print(1)"), key(LAB), "python", List.of("--alpha", "0.5")),
        List.of(new ResultConsumer(key(CONSUMER))),
        new AgentConfig(
            7002, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), false));
  }

  static byte[] json(Manifest m) {
    return ManifestWriter.toJson(m).getBytes(StandardCharsets.UTF_8);
  }

  /** Waits for a condition, failing with the message if it does not come. */
  static void await(BooleanSupplier condition, Duration timeout, String what)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + timeout + " waiting for " + what);
      }
      Thread.sleep(20);
    }
  }

  /** A {@link Transport} that reports a fixed address, as the manager endpoint would. */
  static Transport transport(InetSocketAddress address) {
    return new Transport() {
      @Override
      public String endpoint() {
        return "manager";
      }

      @Override
      public String protocol() {
        return "grpc";
      }

      @Override
      public InetSocketAddress address() {
        return address;
      }

      @Override
      public HealthStatus health(String service) {
        return HealthStatus.SERVING;
      }
    };
  }

  /** A manager (the real components) served on a loopback port, with a client channel. */
  static final class Harness implements AutoCloseable {
    final ManagerRuntime runtime;
    final Server server;
    final ManagedChannel channel;

    Harness(ManagerConfig config, VmBackend backend) throws IOException {
      this(new ManagerRuntime(config, backend, Clock.systemUTC()));
    }

    Harness(ManagerRuntime runtime) throws IOException {
      this.runtime = runtime;
      // ManagerService needs the bound address (the agents' default CVMS): added once started.
      MutableHandlerRegistry late = new MutableHandlerRegistry();
      this.server =
          NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
              .addService(new ComputationsGrpcService(runtime))
              .addService(new CvmsGrpcService(runtime))
              .fallbackHandlerRegistry(late)
              .build()
              .start();
      InetSocketAddress bound =
          new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getPort());
      late.addService(new ManagerGrpcService(runtime, transport(bound)));
      this.channel = NettyChannelBuilder.forAddress(bound).usePlaintext().build();
    }

    int port() {
      return server.getPort();
    }

    @Override
    public void close() throws InterruptedException {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      runtime.close();
    }
  }
}
