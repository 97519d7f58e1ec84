// The notices name the bank's controller, data protection contact and retention from the
// hub's settings (GET /api/bank); without an answer the generic wording stays.

async function fill() {
  let bank;
  try {
    const response = await fetch("/api/bank", { headers: { Accept: "application/json" }, cache: "no-store" });
    if (!response.ok) return;
    bank = await response.json();
  } catch {
    return;
  }
  for (const element of document.querySelectorAll("[data-bank]")) {
    const value = bank[element.dataset.bank];
    if (value !== undefined && value !== "" && value !== null) element.textContent = String(value);
  }
  for (const element of document.querySelectorAll("[data-bank-if]")) {
    element.hidden = !bank[element.dataset.bankIf];
  }
  for (const link of document.querySelectorAll("[data-bank-href]")) {
    const url = bank[link.dataset.bankHref];
    if (url) link.href = url;
  }
}

for (const element of document.querySelectorAll("[data-bank-if]")) element.hidden = true;
fill();
