CatalogSearch.add("t","sh",{"shwartz":[4.073,"4_"]});
