// A party's particulars (registration and the party page): typing an 18-digit resident ID number
// fills in the sex and date of birth it encodes (digits 7-14 the date, digit 17 odd for men),
// for the clerk to confirm with the party; the server checks them against the number again.
// The fields a party's kind does not have (a person's sex, an organisation's legal
// representative) are hidden. No framework; rows added by htmx are handled the same way.
(function () {
  "use strict";

  var RESIDENT_ID = /^\d{17}[\dX]$/;
  var PERSON_ONLY = ["sex", "birth_date", "ethnicity"];
  var ORGANIZATION_ONLY = ["organization_type", "legal_representative", "legal_representative_title"];

  function row(element) {
    return element.closest("[data-party-row], .party-row");
  }

  // The row's field called `name` (its form prefix aside: parties-0-sex, or sex).
  function field(container, name) {
    return container.querySelector('[name="' + name + '"], [name$="-' + name + '"]');
  }

  function baseName(element) {
    var name = element.getAttribute("name") || "";
    return name.slice(name.lastIndexOf("-") + 1);
  }

  function fromResidentId(value) {
    var number = value.replace(/\s+/g, "").toUpperCase();
    if (!RESIDENT_ID.test(number)) {
      return null;
    }
    var year = +number.slice(6, 10);
    var month = +number.slice(10, 12);
    var day = +number.slice(12, 14);
    var date = new Date(Date.UTC(year, month - 1, day));
    if (year < 1900 || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) {
      return null;
    }
    return {
      birthDate: number.slice(6, 10) + "-" + number.slice(10, 12) + "-" + number.slice(12, 14),
      sex: +number.charAt(16) % 2 ? "male" : "female"
    };
  }

  function derive(container) {
    var idType = field(container, "id_type");
    var idNumber = field(container, "id_number");
    if (!idNumber || (idType && idType.value && idType.value !== "resident_id")) {
      return;
    }
    var found = fromResidentId(idNumber.value);
    if (!found) {
      return;
    }
    if (idType && !idType.value) {
      idType.value = "resident_id";
    }
    var sex = field(container, "sex");
    var birthDate = field(container, "birth_date");
    if (sex) {
      sex.value = found.sex;
    }
    if (birthDate) {
      birthDate.value = found.birthDate;
    }
    var note = container.querySelector("[data-id-derived]");
    if (note) {
      note.hidden = false;
    }
  }

  function kindOf(container) {
    var kind = field(container, "kind");
    return kind ? kind.value : container.getAttribute("data-party-kind") || "";
  }

  function showFieldsOfKind(container) {
    var kind = kindOf(container);
    var hidden = kind === "organization" ? PERSON_ONLY : kind === "person" ? ORGANIZATION_ONLY : [];
    container.querySelectorAll("input, select, textarea").forEach(function (input) {
      var wrapper = input.closest(".field");
      var name = baseName(input);
      if (!wrapper || (PERSON_ONLY.indexOf(name) === -1 && ORGANIZATION_ONLY.indexOf(name) === -1)) {
        return;
      }
      // A field with an error, or a value, stays in sight: nothing typed is hidden.
      var keep = wrapper.classList.contains("has-error") || (input.value && input.type !== "date");
      wrapper.hidden = hidden.indexOf(name) !== -1 && !keep;
    });
  }

  function setUp(root) {
    root.querySelectorAll("[data-party-row], .party-row").forEach(showFieldsOfKind);
  }

  document.addEventListener("input", function (event) {
    var container = row(event.target);
    if (container && baseName(event.target) === "id_number") {
      derive(container);
    }
  });
  document.addEventListener("change", function (event) {
    var container = row(event.target);
    if (!container) {
      return;
    }
    var name = baseName(event.target);
    if (name === "kind") {
      showFieldsOfKind(container);
    } else if (name === "id_type") {
      derive(container);
    }
  });
  document.addEventListener("htmx:afterSwap", function () {
    setUp(document);
  });
  setUp(document);
})();
