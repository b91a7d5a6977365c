const app = document.getElementById("app")!;
app.textContent = "";
const p = document.createElement("p");
p.textContent = "Runs will appear here.";
app.append(p);
