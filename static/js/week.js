// The week page without reloads: the day switcher shows one day on phones, and the
// "book for" choice reloads the grid as soon as it changes. Without JS the links and
// the button do the same.
(function () {
  "use strict";

  function showDay(link) {
    var day = link.getAttribute("data-day");
    document.querySelectorAll(".week-day").forEach(function (section) {
      section.classList.toggle("is-shown", section.id === "d-" + day);
    });
    document.querySelectorAll(".day-switch a[data-day]").forEach(function (other) {
      var current = other === link;
      other.classList.toggle("active", current);
      if (current) {
        other.setAttribute("aria-current", "true");
      } else {
        other.removeAttribute("aria-current");
      }
    });
    if (window.history && window.history.replaceState) {
      window.history.replaceState(null, "", link.getAttribute("href").split("#")[0]);
    }
    var heading = document.getElementById("h-" + day);
    if (heading) {
      heading.focus({ preventScroll: true });
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".day-switch a[data-day]").forEach(function (link) {
      link.addEventListener("click", function (event) {
        event.preventDefault();
        showDay(link);
      });
    });
    document.querySelectorAll("form[data-autosubmit] select").forEach(function (select) {
      select.addEventListener("change", function () {
        select.form.submit();
      });
    });
  });
})();
