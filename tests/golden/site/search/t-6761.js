CatalogSearch.add("t","ga",{"gal":"2a"});
