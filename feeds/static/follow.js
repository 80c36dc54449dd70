// The "Copy" buttons of the Follow block: put a feed's address on the clipboard.
document.addEventListener("click", async (event) => {
  const button = event.target.closest("button.copy");
  if (!button) return;
  try {
    await navigator.clipboard.writeText(button.dataset.copy);
    button.textContent = "Copied";
  } catch {
    const link = button.parentElement.querySelector(".feed-url");
    window.getSelection().selectAllChildren(link);  // no clipboard access: select it instead
    button.textContent = "Press Ctrl+C";
  }
  setTimeout(() => { button.textContent = "Copy"; }, 2000);
});
