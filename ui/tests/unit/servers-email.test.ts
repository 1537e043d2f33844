import { describe, expect, it } from "vitest";
import { codeSentText, emailCode, emailStatus, validateEmail } from "../../src/servers/email";

describe("the email address form", () => {
  it("accepts addresses the server accepts and says what is wrong with others", () => {
    expect(validateEmail(" dana@corp.example ")).toBeNull();
    expect(validateEmail("")).toContain("Type the email address");
    for (const bad of ["dana", "@example.com", "dana@", "da na@example.com", "dana@.example", "a@b@example.com"]) {
      expect(validateEmail(bad), bad).toContain("not an email address");
    }
    expect(validateEmail(`${"a".repeat(250)}@b.cd`)).toContain("254");
  });

  it("takes the 6-digit code however it was typed", () => {
    expect(emailCode(" 123 456 ")).toEqual({ code: "123456" });
    expect(emailCode("123-456")).toEqual({ code: "123456" });
    expect(emailCode("12345")).toEqual({ error: "The code in the email has 6 digits." });
    expect(emailCode("12345x")).toHaveProperty("error");
  });

  it("shows the bound address, or how to get one", () => {
    expect(emailStatus("dana@corp.example")).toBe("dana@corp.example");
    expect(emailStatus(null)).toContain("bind one");
    expect(codeSentText("dana@corp.example")).toContain("dana@corp.example");
  });
});
