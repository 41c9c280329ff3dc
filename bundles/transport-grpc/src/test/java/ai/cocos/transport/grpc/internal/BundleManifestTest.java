package ai.cocos.transport.grpc.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.Manifest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Guards the bundle's wiring, which bnd computes from the embedded jars: a new grpc or netty
 * release can add exports (netty's relocated jctools packages carry {@code @Export}) or imports.
 */
class BundleManifestTest {
  private static final Path MANIFEST = Path.of("target", "classes", "META-INF", "MANIFEST.MF");
  private static Manifest manifest;

  @BeforeAll
  static void read() throws Exception {
    assumeTrue(Files.exists(MANIFEST), "bnd has not run (not a Maven build)");
    try (InputStream in = Files.newInputStream(MANIFEST)) {
      manifest = new Manifest(in);
    }
  }

  @Test
  void exportsExactlyTheGrpcProtobufAndGeneratedApi() {
    assertEquals(
        new TreeSet<>(
            Set.of(
                "io.grpc",
                "io.grpc.stub",
                "io.grpc.stub.annotations",
                "io.grpc.protobuf",
                "io.grpc.health.v1",
                "com.google.protobuf",
                "com.google.protobuf.util",
                "com.google.common.util.concurrent",
                "ai.cocos.proto.agent",
                "ai.cocos.proto.computations.v1",
                "ai.cocos.proto.cvms",
                "ai.cocos.proto.events",
                "ai.cocos.proto.manager",
                "ai.cocos.transport.grpc")),
        packages("Export-Package"));
  }

  @Test
  void requiresOnlyTheApiAndTheFramework() {
    List<String> mandatory = new ArrayList<>();
    for (String clause : clauses(header("Import-Package"))) {
      if (!clause.contains("resolution:=optional")) {
        mandatory.add(name(clause));
      }
    }
    for (String name : mandatory) {
      assertTrue(
          name.startsWith("java.")
              || name.startsWith("ai.cocos.api")
              || name.startsWith("org.osgi."),
          "unexpected mandatory import " + name);
    }
    Set<String> imported = packages("Import-Package");
    assertTrue(imported.contains("ai.cocos.api.transport"), imported::toString);
    assertTrue(imported.stream().noneMatch(p -> p.startsWith("io.grpc")), imported::toString);
    assertTrue(imported.stream().noneMatch(p -> p.startsWith("java.")), imported::toString);
    assertTrue(imported.stream().noneMatch(p -> p.startsWith("com.google.protobuf")));
  }

  @Test
  void embedsTheGrpcJarsOnTheBundleClassPath() {
    String classPath = header("Bundle-ClassPath");
    assertTrue(classPath.startsWith(".,"), classPath);
    for (String jar :
        List.of(
            "grpc-netty-shaded-", "grpc-services-", "protobuf-java-", "guava-", "perfmark-api-")) {
      assertTrue(classPath.contains("lib/" + jar), jar + " missing from " + classPath);
    }
    assertTrue(!classPath.contains("protobuf-javalite"), "two protobuf runtimes: " + classPath);
    // target/embedded keeps old jars after a version bump until "mvn clean".
    Set<String> artifacts = new TreeSet<>();
    for (String entry : classPath.split(",")) {
      String artifact = entry.replaceFirst("-[0-9][^/]*\\.jar$", "");
      assertTrue(artifacts.add(artifact), "two versions of " + artifact + "; run mvn clean");
    }
    assertEquals("ai.cocos.transport.grpc", header("Bundle-SymbolicName"));
  }

  private static String header(String name) {
    String value = manifest.getMainAttributes().getValue(name);
    assertTrue(value != null, name + " missing");
    return value;
  }

  private static Set<String> packages(String headerName) {
    Set<String> names = new TreeSet<>();
    for (String clause : clauses(header(headerName))) {
      names.add(name(clause));
    }
    return names;
  }

  private static String name(String clause) {
    int semicolon = clause.indexOf(';');
    return (semicolon < 0 ? clause : clause.substring(0, semicolon)).trim();
  }

  /** Splits a manifest header at the commas outside quoted attribute values. */
  private static List<String> clauses(String header) {
    List<String> clauses = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    boolean quoted = false;
    for (char c : header.toCharArray()) {
      if (c == '"') {
        quoted = !quoted;
      }
      if (c == ',' && !quoted) {
        clauses.add(current.toString());
        current.setLength(0);
      } else {
        current.append(c);
      }
    }
    clauses.add(current.toString());
    return clauses;
  }
}
