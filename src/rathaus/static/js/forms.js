// Progressive enhancement for application forms: show a field only while its condition holds.
// The server decides what counts (hidden fields are ignored there too); without this file every
// conditional field stays visible with its "Nur ausfüllen, wenn …" hint. No inline JS (CSP).
(function () {
  "use strict";

  function valueOf(form, name) {
    var inputs = form.querySelectorAll('[name="' + name.replace(/"/g, "") + '"]');
    if (!inputs.length) { return null; }
    var first = inputs[0];
    if (first.type === "checkbox" && inputs.length === 1) { return first.checked; }
    if (first.type === "checkbox") {
      return Array.prototype.filter.call(inputs, function (i) { return i.checked; })
        .map(function (i) { return i.value; });
    }
    if (first.type === "radio") {
      var checked = Array.prototype.find.call(inputs, function (i) { return i.checked; });
      return checked ? checked.value : null;
    }
    return first.value === "" ? null : first.value;
  }

  function same(value, expected) {
    if (typeof expected === "boolean") { return (value === true) === expected; }
    if (value === null || value === undefined) { return expected === null; }
    var a = Number(value), b = Number(expected);
    if (value !== "" && !isNaN(a) && !isNaN(b) && typeof expected !== "string") { return a === b; }
    return String(value) === String(expected);
  }

  function filled(value) {
    return !(value === null || value === "" || value === false ||
      (Array.isArray(value) && value.length === 0));
  }

  function age(value) {
    var born = new Date(value);
    if (isNaN(born.getTime())) { return null; }
    var now = new Date();
    var years = now.getFullYear() - born.getFullYear();
    var m = now.getMonth() - born.getMonth();
    if (m < 0 || (m === 0 && now.getDate() < born.getDate())) { years -= 1; }
    return years;
  }

  function holds(form, c) {
    if (c.all) { return c.all.every(function (s) { return holds(form, s); }); }
    if (c.any) { return c.any.some(function (s) { return holds(form, s); }); }
    if (c.not) { return !holds(form, c.not); }
    var value = "name" in c ? valueOf(form, c.name) : c.value;
    var values = Array.isArray(value) ? value : [value];
    switch (c.op) {
      case "equals": return values.some(function (v) { return same(v, c.arg); });
      case "not_equals": return !values.some(function (v) { return same(v, c.arg); });
      case "in": return values.some(function (v) {
        return (c.arg || []).some(function (o) { return same(v, o); });
      });
      case "filled": return filled(value) === c.arg;
      case "age_at_least": var a = age(value); return a !== null && a >= c.arg;
      case "gt": return filled(value) && Number(value) > Number(c.arg);
      case "gte": return filled(value) && Number(value) >= Number(c.arg);
      case "lt": return filled(value) && Number(value) < Number(c.arg);
      case "lte": return filled(value) && Number(value) <= Number(c.arg);
    }
    return true;
  }

  function update(form) {
    form.querySelectorAll("[data-when]").forEach(function (el) {
      var condition;
      try { condition = JSON.parse(el.getAttribute("data-when")); } catch (e) { return; }
      if (holds(form, condition)) {
        el.removeAttribute("data-hidden-by-condition");
      } else {
        el.setAttribute("data-hidden-by-condition", "");
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-application-form]").forEach(function (form) {
      form.querySelectorAll(".conditional-hint").forEach(function (hint) {
        hint.classList.add("kern-sr-only");
      });
      update(form);
      form.addEventListener("change", function () { update(form); });
      form.addEventListener("input", function () { update(form); });
    });
  });
})();
