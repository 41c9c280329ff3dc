package ai.cocos.manifest.internal;

import ai.cocos.manifest.ManifestProblem;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A minimal JSON tree, read with Jackson's streaming parser so that duplicate names, unpaired
 * surrogates and nesting are caught with the path where they occur (Jackson's own tree keeps the
 * last of two duplicate names silently).
 */
public final class Json {
  /** How deep objects and arrays may nest; a manifest needs 4. */
  public static final int MAX_DEPTH = 32;

  private static final JsonFactory FACTORY =
      JsonFactory.builder().disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION).build();

  private Json() {}

  /** A JSON value. */
  public sealed interface Value permits Obj, Arr, Str, Num, Bool, Null {
    /**
     * The kind of value, for "expected X, found Y" messages.
     *
     * @return e.g. {@code a string}
     */
    String kind();
  }

  /**
   * An object, members in document order (the first of duplicate names).
   *
   * @param members the members
   */
  public record Obj(Map<String, Value> members) implements Value {
    @Override
    public String kind() {
      return "an object";
    }
  }

  /**
   * An array.
   *
   * @param items the elements
   */
  public record Arr(List<Value> items) implements Value {
    @Override
    public String kind() {
      return "an array";
    }
  }

  /**
   * A string.
   *
   * @param value the decoded text
   */
  public record Str(String value) implements Value {
    @Override
    public String kind() {
      return "a string";
    }
  }

  /**
   * A number, kept as written.
   *
   * @param text the number's text
   * @param integral whether it has neither fraction nor exponent
   */
  public record Num(String text, boolean integral) implements Value {
    @Override
    public String kind() {
      return "a number";
    }
  }

  /**
   * {@code true} or {@code false}.
   *
   * @param value the value
   */
  public record Bool(boolean value) implements Value {
    @Override
    public String kind() {
      return "a boolean";
    }
  }

  /** {@code null}. */
  public record Null() implements Value {
    @Override
    public String kind() {
      return "null";
    }
  }

  /** The document is not JSON; the message says where and why. */
  public static final class SyntaxException extends Exception {
    private static final long serialVersionUID = 1L;

    SyntaxException(String message) {
      super(message);
    }
  }

  /**
   * Reads one JSON document.
   *
   * @param text the document
   * @param problems where non-fatal problems (duplicate names, unpaired surrogates) are added
   * @return the root value
   * @throws SyntaxException if the text is not one well-formed JSON value
   */
  public static Value read(String text, List<ManifestProblem> problems) throws SyntaxException {
    try (JsonParser p = FACTORY.createParser(text)) {
      JsonToken t = p.nextToken();
      if (t == null) {
        throw new SyntaxException("manifest is empty");
      }
      Value root = value(p, t, "", 1, problems);
      JsonToken after;
      try {
        after = p.nextToken();
      } catch (JsonProcessingException e) {
        throw trailing(e.getLocation());
      }
      if (after != null) {
        throw trailing(p.currentTokenLocation());
      }
      return root;
    } catch (JsonProcessingException e) {
      JsonLocation l = e.getLocation();
      String where = l == null ? "" : " at line " + l.getLineNr() + ", column " + l.getColumnNr();
      String why = clean(e.getOriginalMessage());
      if (why.contains("CTRL-CHAR, code 10") || why.contains("CTRL-CHAR, code 13")) {
        // The usual cause: PEM text pasted into a JSON string with its line breaks.
        why += " (inside a JSON string, write a line break as \\n, as in PEM text)";
      }
      throw new SyntaxException("not valid JSON" + where + ": " + why);
    } catch (IOException e) {
      throw new SyntaxException("not valid JSON: " + clean(e.getMessage()));
    }
  }

  private static SyntaxException trailing(JsonLocation l) {
    return new SyntaxException(
        "not valid JSON"
            + (l == null ? "" : " at line " + l.getLineNr() + ", column " + l.getColumnNr())
            + ": content after the end of the top-level value");
  }

  private static Value value(
      JsonParser p, JsonToken t, String path, int depth, List<ManifestProblem> problems)
      throws IOException, SyntaxException {
    if ((t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) && depth > MAX_DEPTH) {
      throw new SyntaxException(
          (path.isEmpty() ? "" : path + ": ") + "JSON nested deeper than " + MAX_DEPTH + " levels");
    }
    switch (t) {
      case START_OBJECT -> {
        Map<String, Value> members = new LinkedHashMap<>();
        for (JsonToken n = p.nextToken(); n != JsonToken.END_OBJECT; n = p.nextToken()) {
          String name = p.currentName();
          String childPath = Paths.member(path, name);
          if (Text.unpairedSurrogate(name) >= 0) {
            problems.add(
                new ManifestProblem(
                    path, "field name " + Text.quote(name) + " is not valid Unicode"));
          }
          Value v = value(p, p.nextToken(), childPath, depth + 1, problems);
          if (members.containsKey(name)) {
            problems.add(
                new ManifestProblem(
                    path,
                    "duplicate field "
                        + Text.quote(name)
                        + (path.isEmpty() ? " at top level" : "")
                        + ": give each field once"));
          } else {
            members.put(name, v);
          }
        }
        return new Obj(Collections.unmodifiableMap(members));
      }
      case START_ARRAY -> {
        List<Value> items = new ArrayList<>();
        for (JsonToken n = p.nextToken(); n != JsonToken.END_ARRAY; n = p.nextToken()) {
          items.add(value(p, n, Paths.element(path, items.size()), depth + 1, problems));
        }
        return new Arr(List.copyOf(items));
      }
      case VALUE_STRING -> {
        String s = p.getText();
        int bad = Text.unpairedSurrogate(s);
        if (bad >= 0) {
          problems.add(
              new ManifestProblem(
                  path,
                  "is not valid Unicode: unpaired surrogate "
                      + String.format("\\u%04x", (int) s.charAt(bad))
                      + " at character "
                      + (bad + 1)));
        }
        return new Str(s);
      }
      case VALUE_NUMBER_INT -> {
        return new Num(p.getText(), true);
      }
      case VALUE_NUMBER_FLOAT -> {
        return new Num(p.getText(), false);
      }
      case VALUE_TRUE -> {
        return new Bool(true);
      }
      case VALUE_FALSE -> {
        return new Bool(false);
      }
      case VALUE_NULL -> {
        return new Null();
      }
      default -> throw new SyntaxException("not valid JSON: unexpected " + t);
    }
  }

  /** Jackson's message, first line only, with long quoted tokens shortened (they may be secret). */
  private static String clean(String message) {
    if (message == null) {
      return "unreadable";
    }
    int nl = message.indexOf('\n');
    String first = nl >= 0 ? message.substring(0, nl) : message;
    return first.replaceAll("'([^']{16})[^']+'", "'$1…'");
  }
}
