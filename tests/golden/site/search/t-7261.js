CatalogSearch.add("t","ra",{"random":"5b","random label":"5T","ravid":"4h","raw":"1L","raw html":"1O"});
