CatalogSearch.add("t","do",{"double":"2y","double descent":"2Z"});
