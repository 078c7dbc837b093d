// SPDX-License-Identifier: Apache-2.0
// Shows the "Imprimer" buttons (hidden without JavaScript) and makes them print the page.
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.hidden = false;
  button.addEventListener("click", function () { window.print(); });
});
