// The assistant's « copy the wording » buttons (the wording stays selectable without JavaScript).
document.addEventListener("DOMContentLoaded", () => {
  const status = document.querySelector(".assistant-copied");
  document.querySelectorAll(".assistant-copy").forEach((button) => {
    button.hidden = false;
    button.addEventListener("click", () => {
      const field = document.getElementById(button.dataset.copy);
      if (!field) return;
      field.select();
      const done = () => { if (status) status.textContent = status.dataset.copied; };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(done, () => { document.execCommand("copy"); done(); });
      } else {
        document.execCommand("copy");
        done();
      }
    });
  });
});
