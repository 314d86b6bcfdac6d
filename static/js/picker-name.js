// The enterprise picker (credit.widgets.EnterprisePicker): select2 names its box (role textbox)
// by a title holding the chosen option, and by nothing while none is chosen (axe:
// aria-input-field-name). Until a firm is chosen the box takes its field's label as its title.
// Runs after the admin's autocomplete.js has turned the selects into select2 boxes.
(function ($) {
  "use strict";
  function name(select) {
    var box = document.getElementById("select2-" + select.id + "-container");
    var label = select.id && document.querySelector("label[for='" + select.id + "']");
    if (box && label && !box.getAttribute("title")) {
      box.setAttribute("title", label.textContent.replace(/[:：]\s*$/, "").trim());
    }
  }
  $(function () {
    $("select.admin-autocomplete").each(function () { name(this); }).on("change", function () {
      var select = this;
      window.setTimeout(function () { name(select); }, 0);
    });
  });
})(django.jQuery);
