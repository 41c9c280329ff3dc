package ai.cocos.attestation;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A strict, dependency-free JSON reader and writer for attestation documents (policies, Intel
 * collateral, evidence bundles). Strict means: exactly one value per document, no duplicate member
 * names, no unpaired surrogates, nesting at most {@link #MAX_DEPTH} deep, and numbers as RFC 8259
 * writes them. Errors name the JSON path and the line and column.
 *
 * <p>Values map to Java as: object to an unmodifiable {@link Map} in document order, array to an
 * unmodifiable {@link List}, string to {@link String}, integer to {@link Long} (or {@link
 * BigInteger} beyond the {@code long} range), other numbers to {@link BigDecimal}, {@code true} and
 * {@code false} to {@link Boolean}, and {@code null} to {@link #NULL} (so that maps and lists never
 * hold Java {@code null}).
 *
 * <p>Signed JSON (Intel's TCB info and QE identity sign the exact text of one member) needs the
 * bytes as written, not a re-serialisation: {@link #memberText} returns the exact source text of a
 * top-level member's value.
 *
 * <p>Stateless and thread-safe. Not made for large documents: everything is held in memory, and
 * callers bound the input size.
 */
public final class Json {
  /** How deep objects and arrays may nest. */
  public static final int MAX_DEPTH = 64;

  /** The JSON {@code null} value. */
  public static final Object NULL =
      new Object() {
        @Override
        public String toString() {
          return "null";
        }
      };

  private Json() {}

  /** A document is not valid JSON; the message names where and why. */
  public static final class JsonException extends Exception {
    private static final long serialVersionUID = 1L;

    /** The JSON path of the problem, e.g. {@code snp.measurements[1]}; empty for the root. */
    private final String path;

    /**
     * Creates the error.
     *
     * @param path the JSON path where the problem is, empty for the root
     * @param message the full message
     */
    public JsonException(String path, String message) {
      super(message);
      this.path = path;
    }

    /**
     * Where the problem is.
     *
     * @return a JSON path such as {@code snp.vmpl[0]}, empty for the document as a whole
     */
    public String path() {
      return path;
    }
  }

  /**
   * Parses one JSON document.
   *
   * @param text the document
   * @return the root value (see the class description for the Java types)
   * @throws JsonException if the text is not exactly one well-formed JSON value
   */
  public static Object parse(String text) throws JsonException {
    Reader r = new Reader(text);
    r.skipSpace();
    if (r.pos >= text.length()) {
      throw new JsonException("", "not valid JSON: the document is empty");
    }
    Object v = r.value("", 1);
    r.skipSpace();
    if (r.pos < text.length()) {
      throw r.error("", "content after the end of the top-level value");
    }
    return v;
  }

  /**
   * The exact source text of a member of the top-level object, as written (for signatures over JSON
   * text, such as Intel's {@code tcbInfo} and {@code enclaveIdentity}).
   *
   * @param text a JSON document whose root is an object
   * @param name the member's name
   * @return the member value's text from its first to its last character
   * @throws JsonException if the text is not valid JSON, not an object, or lacks the member
   */
  public static String memberText(String text, String name) throws JsonException {
    Reader r = new Reader(text);
    r.skipSpace();
    if (r.pos >= text.length() || text.charAt(r.pos) != '{') {
      throw new JsonException("", "not a JSON object");
    }
    r.pos++;
    r.skipSpace();
    String found = null;
    if (r.peek() != '}') {
      while (true) {
        r.skipSpace();
        String key = r.string("");
        r.skipSpace();
        r.expect(':', key);
        r.skipSpace();
        int start = r.pos;
        r.value(key, 2);
        if (key.equals(name) && found == null) {
          found = text.substring(start, r.pos);
        }
        r.skipSpace();
        char c = r.next(key);
        if (c == '}') {
          break;
        }
        if (c != ',') {
          throw r.error(key, "expected ',' or '}' after a member");
        }
      }
    } else {
      r.pos++;
    }
    if (found == null) {
      throw new JsonException("", "the JSON object has no member \"" + name + "\"");
    }
    return found;
  }

  /**
   * Writes a value as JSON, indented by two spaces, members in map order. Accepts what {@link
   * #parse} produces, plus {@link Integer}; binary values must be encoded as text (hex) first.
   *
   * @param value a map, list, string, number, boolean or {@link #NULL}
   * @return the JSON text, ending with a line break
   * @throws IllegalArgumentException if the value holds a type JSON has no form for
   */
  public static String write(Object value) {
    StringBuilder b = new StringBuilder();
    write(b, value, 0);
    return b.append('\n').toString();
  }

  private static void write(StringBuilder b, Object v, int indent) {
    if (v == null || v == NULL) {
      b.append("null");
    } else if (v instanceof String s) {
      quote(b, s);
    } else if (v instanceof Boolean
        || v instanceof Long
        || v instanceof Integer
        || v instanceof BigInteger
        || v instanceof Short
        || v instanceof Byte) {
      b.append(v);
    } else if (v instanceof BigDecimal d) {
      b.append(d.toString());
    } else if (v instanceof Map<?, ?> m) {
      if (m.isEmpty()) {
        b.append("{}");
        return;
      }
      b.append("{\n");
      int i = 0;
      for (Map.Entry<?, ?> e : m.entrySet()) {
        if (!(e.getKey() instanceof String k)) {
          throw new IllegalArgumentException("JSON object names must be strings: " + e.getKey());
        }
        pad(b, indent + 1);
        quote(b, k);
        b.append(": ");
        write(b, e.getValue(), indent + 1);
        b.append(++i < m.size() ? ",\n" : "\n");
      }
      pad(b, indent);
      b.append('}');
    } else if (v instanceof List<?> l) {
      if (l.isEmpty()) {
        b.append("[]");
        return;
      }
      b.append("[\n");
      for (int i = 0; i < l.size(); i++) {
        pad(b, indent + 1);
        write(b, l.get(i), indent + 1);
        b.append(i + 1 < l.size() ? ",\n" : "\n");
      }
      pad(b, indent);
      b.append(']');
    } else {
      throw new IllegalArgumentException(
          "no JSON form for a " + v.getClass().getName() + ": convert it to text first");
    }
  }

  private static void pad(StringBuilder b, int indent) {
    for (int i = 0; i < indent; i++) {
      b.append("  ");
    }
  }

  private static void quote(StringBuilder b, String s) {
    b.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20 || c == 0x2028 || c == 0x2029) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    b.append('"');
  }

  /**
   * Appends a member to a JSON path.
   *
   * @param path the parent path, empty for the root
   * @param name the member name
   * @return e.g. {@code snp.measurements}
   */
  public static String member(String path, String name) {
    boolean plain =
        !name.isEmpty()
            && name.chars()
                .allMatch(
                    c ->
                        c == '_'
                            || c == '-'
                            || (c >= 'a' && c <= 'z')
                            || (c >= 'A' && c <= 'Z')
                            || (c >= '0' && c <= '9'));
    String n = plain ? name : "[\"" + name.replace("\\", "\\\\").replace("\"", "\\\"") + "\"]";
    if (path.isEmpty()) {
      return plain ? n : "$" + n;
    }
    return plain ? path + "." + n : path + n;
  }

  /**
   * Appends an array index to a JSON path.
   *
   * @param path the array's path
   * @param index the element index
   * @return e.g. {@code snp.vmpl[0]}
   */
  public static String element(String path, int index) {
    return (path.isEmpty() ? "$" : path) + "[" + index + "]";
  }

  /**
   * The kind of a parsed value for "expected X, found Y" messages.
   *
   * @param v a value as {@link #parse} returns it
   * @return e.g. {@code a string}, {@code an array}
   */
  public static String kind(Object v) {
    if (v == null || v == NULL) {
      return "null";
    } else if (v instanceof String) {
      return "a string";
    } else if (v instanceof Boolean) {
      return "a boolean";
    } else if (v instanceof Number) {
      return "a number";
    } else if (v instanceof Map) {
      return "an object";
    } else if (v instanceof List) {
      return "an array";
    }
    return "a " + v.getClass().getSimpleName();
  }

  private static final class Reader {
    private final String text;
    private int pos;

    Reader(String text) {
      this.text = text;
    }

    char peek() {
      return pos < text.length() ? text.charAt(pos) : '\0';
    }

    char next(String path) throws JsonException {
      if (pos >= text.length()) {
        throw error(path, "unexpected end of the document");
      }
      return text.charAt(pos++);
    }

    void expect(char c, String path) throws JsonException {
      if (pos >= text.length() || text.charAt(pos) != c) {
        throw error(path, "expected '" + c + "'");
      }
      pos++;
    }

    void skipSpace() {
      while (pos < text.length()) {
        char c = text.charAt(pos);
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
          pos++;
        } else {
          break;
        }
      }
    }

    JsonException error(String path, String why) {
      int line = 1;
      int col = 1;
      for (int i = 0; i < Math.min(pos, text.length()); i++) {
        if (text.charAt(i) == '\n') {
          line++;
          col = 1;
        } else {
          col++;
        }
      }
      return new JsonException(
          path,
          "not valid JSON at line "
              + line
              + ", column "
              + col
              + (path.isEmpty() ? "" : " (" + path + ")")
              + ": "
              + why);
    }

    Object value(String path, int depth) throws JsonException {
      char c = peek();
      switch (c) {
        case '{' -> {
          if (depth > MAX_DEPTH) {
            throw error(path, "nested deeper than " + MAX_DEPTH + " levels");
          }
          return object(path, depth);
        }
        case '[' -> {
          if (depth > MAX_DEPTH) {
            throw error(path, "nested deeper than " + MAX_DEPTH + " levels");
          }
          return array(path, depth);
        }
        case '"' -> {
          return string(path);
        }
        case 't' -> {
          literal("true", path);
          return Boolean.TRUE;
        }
        case 'f' -> {
          literal("false", path);
          return Boolean.FALSE;
        }
        case 'n' -> {
          literal("null", path);
          return NULL;
        }
        default -> {
          if (c == '-' || (c >= '0' && c <= '9')) {
            return number(path);
          }
          if (pos >= text.length()) {
            throw error(path, "unexpected end of the document");
          }
          throw error(path, "unexpected character '" + printable(c) + "'");
        }
      }
    }

    private static String printable(char c) {
      return c < 0x20 || c > 0x7e ? String.format("\\u%04x", (int) c) : String.valueOf(c);
    }

    void literal(String word, String path) throws JsonException {
      if (!text.startsWith(word, pos)) {
        throw error(path, "unexpected character '" + printable(text.charAt(pos)) + "'");
      }
      pos += word.length();
    }

    Map<String, Object> object(String path, int depth) throws JsonException {
      pos++;
      Map<String, Object> members = new LinkedHashMap<>();
      skipSpace();
      if (peek() == '}') {
        pos++;
        return Collections.unmodifiableMap(members);
      }
      while (true) {
        skipSpace();
        if (peek() != '"') {
          throw error(path, "expected a member name in double quotes");
        }
        int at = pos;
        String name = string(path);
        String child = member(path, name);
        if (members.containsKey(name)) {
          pos = at;
          throw error(path, "duplicate member \"" + name + "\": give each member once");
        }
        skipSpace();
        expect(':', child);
        skipSpace();
        members.put(name, value(child, depth + 1));
        skipSpace();
        char c = next(path);
        if (c == '}') {
          return Collections.unmodifiableMap(members);
        }
        if (c != ',') {
          pos--;
          throw error(path, "expected ',' or '}' after a member");
        }
      }
    }

    List<Object> array(String path, int depth) throws JsonException {
      pos++;
      List<Object> items = new ArrayList<>();
      skipSpace();
      if (peek() == ']') {
        pos++;
        return Collections.unmodifiableList(items);
      }
      while (true) {
        skipSpace();
        items.add(value(element(path, items.size()), depth + 1));
        skipSpace();
        char c = next(path);
        if (c == ']') {
          return Collections.unmodifiableList(items);
        }
        if (c != ',') {
          pos--;
          throw error(path, "expected ',' or ']' after an element");
        }
      }
    }

    String string(String path) throws JsonException {
      expect('"', path);
      StringBuilder b = new StringBuilder();
      while (true) {
        if (pos >= text.length()) {
          throw error(path, "string not closed");
        }
        char c = text.charAt(pos++);
        if (c == '"') {
          break;
        }
        if (c < 0x20) {
          pos--;
          throw error(
              path,
              "control character "
                  + printable(c)
                  + " inside a string (write a line break as \\n, as in PEM text)");
        }
        if (c != '\\') {
          b.append(c);
          continue;
        }
        char e = next(path);
        switch (e) {
          case '"' -> b.append('"');
          case '\\' -> b.append('\\');
          case '/' -> b.append('/');
          case 'b' -> b.append('\b');
          case 'f' -> b.append('\f');
          case 'n' -> b.append('\n');
          case 'r' -> b.append('\r');
          case 't' -> b.append('\t');
          case 'u' -> {
            if (pos + 4 > text.length()) {
              throw error(path, "incomplete \\u escape");
            }
            int cp = 0;
            for (int i = 0; i < 4; i++) {
              int d = Character.digit(text.charAt(pos + i), 16);
              if (d < 0) {
                throw error(path, "bad \\u escape");
              }
              cp = cp * 16 + d;
            }
            pos += 4;
            b.append((char) cp);
          }
          default -> {
            pos--;
            throw error(path, "unknown escape \\" + printable(e));
          }
        }
      }
      String s = b.toString();
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        if (Character.isHighSurrogate(c)) {
          if (i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
            i++;
            continue;
          }
          throw error(path, "string is not valid Unicode (unpaired surrogate)");
        }
        if (Character.isLowSurrogate(c)) {
          throw error(path, "string is not valid Unicode (unpaired surrogate)");
        }
      }
      return s;
    }

    Object number(String path) throws JsonException {
      int start = pos;
      if (peek() == '-') {
        pos++;
      }
      if (peek() == '0') {
        pos++;
      } else if (peek() >= '1' && peek() <= '9') {
        while (peek() >= '0' && peek() <= '9') {
          pos++;
        }
      } else {
        throw error(path, "bad number");
      }
      boolean integral = true;
      if (peek() == '.') {
        integral = false;
        pos++;
        if (!(peek() >= '0' && peek() <= '9')) {
          throw error(path, "bad number: digits must follow '.'");
        }
        while (peek() >= '0' && peek() <= '9') {
          pos++;
        }
      }
      if (peek() == 'e' || peek() == 'E') {
        integral = false;
        pos++;
        if (peek() == '+' || peek() == '-') {
          pos++;
        }
        if (!(peek() >= '0' && peek() <= '9')) {
          throw error(path, "bad number: digits must follow the exponent");
        }
        while (peek() >= '0' && peek() <= '9') {
          pos++;
        }
      }
      String n = text.substring(start, pos);
      if (!integral) {
        return new BigDecimal(n);
      }
      BigInteger i = new BigInteger(n);
      return i.bitLength() < 64 ? (Object) i.longValue() : i;
    }
  }
}
