CatalogSearch.add("t","ch",{"chance":"0J","chance level":"0O","chen":"1j","chiyuan":"5c","chizat":"1j"});
