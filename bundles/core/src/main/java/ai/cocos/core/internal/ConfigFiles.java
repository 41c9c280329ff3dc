package ai.cocos.core.internal;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Reads an assembly's {@code conf/*.cfg} files and interpolates environment variables.
 *
 * <p>A file {@code PID.cfg} configures PID; {@code FACTORY~NAME.cfg} a named factory configuration.
 * Values may contain {@code ${VAR}} (empty if unset) or {@code ${VAR:-default}} (default if unset
 * or empty), as a shell would read them. A property whose value interpolates to nothing is left
 * out, so the component's own default applies.
 */
final class ConfigFiles {
  private static final Pattern VAR = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?}");

  private ConfigFiles() {}

  /** One configuration read from a file. */
  record Entry(String pid, String factoryPid, String name, Map<String, String> properties) {
    boolean isFactory() {
      return factoryPid != null;
    }
  }

  static Map<String, Entry> read(Path dir, Function<String, String> env) throws IOException {
    Map<String, Entry> out = new TreeMap<>();
    if (!Files.isDirectory(dir)) {
      return out;
    }
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f :
          files.filter(p -> p.getFileName().toString().endsWith(".cfg")).sorted().toList()) {
        String base = f.getFileName().toString();
        base = base.substring(0, base.length() - ".cfg".length());
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
          p.load(r);
        }
        Map<String, String> props = new LinkedHashMap<>();
        for (String key : new TreeMap<>(p).keySet().stream().map(Object::toString).toList()) {
          String value = interpolate(p.getProperty(key), env);
          if (!value.isEmpty()) {
            props.put(key, value);
          }
        }
        int tilde = base.indexOf('~');
        Entry e =
            tilde < 0
                ? new Entry(base, null, null, props)
                : new Entry(base, base.substring(0, tilde), base.substring(tilde + 1), props);
        out.put(base, e);
      }
    }
    return out;
  }

  static String interpolate(String value, Function<String, String> env) {
    Matcher m = VAR.matcher(value);
    StringBuilder sb = new StringBuilder();
    while (m.find()) {
      String v = env.apply(m.group(1));
      if ((v == null || v.isEmpty()) && m.group(2) != null) {
        v = m.group(3);
      }
      m.appendReplacement(sb, Matcher.quoteReplacement(v == null ? "" : v));
    }
    m.appendTail(sb);
    return sb.toString().trim();
  }
}
