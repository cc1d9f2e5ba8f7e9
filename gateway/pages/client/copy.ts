// Copy buttons: <button data-copy="id-of-an-input" data-done="Copied" hidden> is shown, and copies
// that input's value (the link generator's link). Without JavaScript the button stays hidden and
// the read-only field can still be selected and copied.
for (const button of Array.from(document.querySelectorAll<HTMLButtonElement>('button[data-copy]'))) {
  const field = document.getElementById(button.dataset.copy ?? '') as HTMLInputElement | null;
  if (!field || !navigator.clipboard) continue;
  const label = button.textContent ?? '';
  const status = document.getElementById(`${field.id}-status`);
  button.hidden = false;
  button.addEventListener('click', () => {
    void navigator.clipboard.writeText(field.value).then(
      () => {
        if (status) status.textContent = button.dataset.done ?? '';
      },
      () => {
        field.select();
        button.textContent = label;
      },
    );
  });
}
