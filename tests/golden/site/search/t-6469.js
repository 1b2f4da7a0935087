CatalogSearch.add("t","di",{"digest":[1.188,"1_"]});
