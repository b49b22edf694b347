import { describe, expect, test } from "bun:test";
import { fileKind, finalAnswer, MAX_FILES } from "./files.ts";

describe("finalAnswer", () => {
  test("Markdown images become files (alt as caption), outside code only", () => {
    const text = [
      "Look: ![a cat](https://cdn.example/pics/cat.png) nice.",
      "",
      "![](https://cdn.example/dog.jpg)",
      "",
      "```",
      "![code](https://cdn.example/code.png)",
      "```",
      "![plain](http://cdn.example/insecure.png)",
    ].join("\n");
    const final = finalAnswer(text, []);
    expect(final.files).toEqual([
      { url: "https://cdn.example/pics/cat.png", caption: "a cat", name: "cat.png" },
      { url: "https://cdn.example/dog.jpg", name: "dog.jpg" },
      { url: "http://cdn.example/insecure.png", caption: "plain", name: "insecure.png" },
    ]);
    expect(final.text).toBe("Look:  nice.\n\n```\n![code](https://cdn.example/code.png)\n```");
  });

  test("named files are checked: exactly one source; an invalid one is said in the text, not dropped", () => {
    const final = finalAnswer("Done.", [
      { base64: "aGk=", mime: "text/plain", name: "hi.txt", caption: "greeting" },
      { s3: "s3://media-bucket/outbound/r.pdf", mime: "application/pdf", name: "r.pdf" },
      { url: "https://a.example/x", base64: "aGk=", name: "both.bin" },
      { name: "none.bin" },
      "not an object",
    ]);
    expect(final.files.map((f) => f.name)).toEqual(["hi.txt", "r.pdf"]);
    expect(final.text).toBe(
      [
        "Done.",
        "(both.bin: a file the agent sent is not valid: not sent)",
        "(none.bin: a file the agent sent is not valid: not sent)",
        "(a file the agent sent is not valid: not sent)",
      ].join("\n\n"),
    );
  });

  test(`at most ${MAX_FILES} files; the rest said`, () => {
    const many = Array.from({ length: MAX_FILES + 2 }, (_, i) => ({ base64: "aGk=", name: `${i}.txt` }));
    const final = finalAnswer("", many);
    expect(final.files).toHaveLength(MAX_FILES);
    expect(final.text).toBe(`(2 more files not sent: at most ${MAX_FILES} per answer)`);
  });
});

test("fileKind: told by the type, never the name", () => {
  expect(
    ["image/png", "image/jpeg", "image/gif", "audio/ogg", "audio/mpeg", "video/mp4", "application/pdf"].map(
      fileKind,
    ),
  ).toEqual(["image", "image", "document", "voice", "audio", "video", "document"]);
});
