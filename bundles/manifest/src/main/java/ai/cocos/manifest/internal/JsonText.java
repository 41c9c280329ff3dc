package ai.cocos.manifest.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Writes JSON from plain values ({@link Map} with string keys, {@link List}, {@link String}, {@link
 * Integer}, {@link Boolean}, {@code null}) in two layouts: canonical (RFC 8785 style) and pretty.
 *
 * <p>Strings are escaped as RFC 8785 requires: {@code "} and {@code \} with a backslash, U+0008,
 * U+0009, U+000A, U+000C and U+000D as {@code \b \t \n \f \r}, other characters below U+0020 as
 * {@code \}{@code u00xx} with lower-case hex, everything else as itself. Strings with unpaired
 * surrogates are refused, since they have no UTF-8 form.
 */
public final class JsonText {
  private JsonText() {}

  /**
   * Canonical JSON: object members sorted by name (UTF-16 code units, as RFC 8785 specifies), no
   * whitespace, integers in plain decimal.
   *
   * @param value the value
   * @return the text
   * @throws IllegalArgumentException for a value of an unsupported type or an invalid string
   */
  public static String canonical(Object value) {
    StringBuilder b = new StringBuilder();
    canonical(value, b);
    return b.toString();
  }

  /**
   * Pretty JSON: members in the map's order, two spaces per level, {@code "name": value}, a final
   * line end.
   *
   * @param value the value
   * @return the text
   * @throws IllegalArgumentException for a value of an unsupported type or an invalid string
   */
  public static String pretty(Object value) {
    StringBuilder b = new StringBuilder();
    pretty(value, b, 0);
    return b.append('\n').toString();
  }

  private static void canonical(Object v, StringBuilder b) {
    if (v instanceof Map<?, ?> m) {
      List<String> names = new ArrayList<>();
      for (Object k : m.keySet()) {
        names.add((String) k);
      }
      names.sort(String::compareTo); // UTF-16 code unit order
      b.append('{');
      for (int i = 0; i < names.size(); i++) {
        if (i > 0) {
          b.append(',');
        }
        string(names.get(i), b);
        b.append(':');
        canonical(m.get(names.get(i)), b);
      }
      b.append('}');
    } else if (v instanceof List<?> l) {
      b.append('[');
      for (int i = 0; i < l.size(); i++) {
        if (i > 0) {
          b.append(',');
        }
        canonical(l.get(i), b);
      }
      b.append(']');
    } else {
      scalar(v, b);
    }
  }

  private static void pretty(Object v, StringBuilder b, int level) {
    if (v instanceof Map<?, ?> m) {
      if (m.isEmpty()) {
        b.append("{}");
        return;
      }
      b.append("{\n");
      int i = 0;
      for (Map.Entry<?, ?> e : m.entrySet()) {
        indent(b, level + 1);
        string((String) e.getKey(), b);
        b.append(": ");
        pretty(e.getValue(), b, level + 1);
        b.append(++i < m.size() ? ",\n" : "\n");
      }
      indent(b, level);
      b.append('}');
    } else if (v instanceof List<?> l) {
      if (l.isEmpty()) {
        b.append("[]");
        return;
      }
      b.append("[\n");
      for (int i = 0; i < l.size(); i++) {
        indent(b, level + 1);
        pretty(l.get(i), b, level + 1);
        b.append(i + 1 < l.size() ? ",\n" : "\n");
      }
      indent(b, level);
      b.append(']');
    } else {
      scalar(v, b);
    }
  }

  private static void indent(StringBuilder b, int level) {
    b.append("  ".repeat(level));
  }

  private static void scalar(Object v, StringBuilder b) {
    if (v == null) {
      b.append("null");
    } else if (v instanceof String s) {
      string(s, b);
    } else if (v instanceof Boolean bool) {
      b.append(bool.booleanValue());
    } else if (v instanceof Integer n) {
      b.append(n.intValue());
    } else {
      throw new IllegalArgumentException("cannot write a " + v.getClass().getName() + " as JSON");
    }
  }

  private static void string(String s, StringBuilder b) {
    if (Text.unpairedSurrogate(s) >= 0) {
      throw new IllegalArgumentException("string with an unpaired surrogate has no UTF-8 form");
    }
    b.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\b' -> b.append("\\b");
        case '\t' -> b.append("\\t");
        case '\n' -> b.append("\\n");
        case '\f' -> b.append("\\f");
        case '\r' -> b.append("\\r");
        default -> {
          if (c < 0x20) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    b.append('"');
  }
}
